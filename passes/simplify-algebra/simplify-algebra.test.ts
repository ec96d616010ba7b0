import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { createPassContext, type PassContext, type RuleTraceEvent } from '../../src/pass.js';
import { simplifyAlgebra } from './simplify-algebra.js';

function run(text: string): { model: Model; out: Model; events: RuleTraceEvent[] } {
  const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>\n${text}`);
  const events: RuleTraceEvent[] = [];
  const ctx: PassContext = { ...createPassContext(), rules: { traced: () => true, trace: (e) => events.push(e) } };
  return { model, out: simplifyAlgebra().run(model, ctx), events };
}

const reasons = (events: RuleTraceEvent[], rule: string) => events.filter((e) => e.rule === rule && !e.fired).map((e) => e.reason);

describe('simplify-algebra', () => {
  it('Reshape 0 copies the intermediate dim, not the input dim (a QUALITY.md hazard)', () => {
    // x [2,6] → [3,4] → [0,-1]: the 0 copies 3 (the intermediate's dim), not 2.
    const { model, out } = run(`g (float[2,6] x) => (y) <int64[2] s1 = {3, 4}, int64[2] s2 = {0, -1}> { t = Reshape (x, s1)  y = Reshape (t, s2) }`);
    expect(out).not.toBe(model);
    const feed = { x: { kind: 'tensor', dtype: 1, dims: [2, 6], data: Float32Array.from({ length: 12 }, (_, i) => i) } } as const;
    expect(evaluate(out, feed).get('y')).toEqual(evaluate(model, feed).get('y'));
    expect(evaluate(out, feed).get('y')).toMatchObject({ dims: [3, 4] });
  });

  it('Reshape with allowzero=1 keeps its zeros literal', () => {
    const { out } = run(`g (float[2,0] x) => (y) <int64[1] s1 = {0}, int64[2] s2 = {0, 5}> { t = Reshape (x, s1)  y = Reshape <allowzero = 1> (t, s2) }`);
    const node = Object.values(out.graph.nodes).find((n) => n.op === 'Reshape')!;
    expect(node.attrs.find((a) => a.name === 'allowzero')).toMatchObject({ kind: 'int', value: 1n });
  });

  it('SequenceAt past the end of its SplitToSequence is left alone (it fails at run time; no Split part stands for it)', () => {
    const { model, out } = run(`g (float[4,2] x) => (a) <int64 s = {2}, int64 i = {-3}> { q = SplitToSequence (x, s)  a = SequenceAt (q, i) }`);
    expect(out).toBe(model);
  });

  it('says why it declines', () => {
    expect(reasons(run(`g (float[4] x) => (y) { h = Cast <to = 10> (x)  y = Cast <to = 1> (h) }`).events, 'cast-cast')).toContain(
      'the first cast (1 to 10) can change values',
    );
    expect(reasons(run(`g (float[2,3] x) => (y) <float[3] c1 = {1, 2, 3}, float c2 = {0.5}> { t = Add (x, c1)  y = Add (t, c2) }`).events, 'add-const-add-const')).toContain(
      'float addition does not associate',
    );
    expect(reasons(run(`g (float[2,3] x) => (y) <float[3] c1 = {1, 2, 3}, float c2 = {0}> { t = Mul (x, c1)  y = Mul (t, c2) }`).events, 'mul-const-mul-const')).toContain(
      'the product of the constants is 0, infinite or NaN',
    );
    // Without the input's dtype the Cast chain is left alone.
    expect(reasons(run(`g (float[4] x) => (y) { r = Relu (x)  d = Cast <to = 11> (r)  y = Cast <to = 1> (d) }`).events, 'cast-cast')).toContain(
      'the dtype of the input is unknown',
    );
  });

  it('Cast chains through a lossless type become one Cast, or nothing when they return to the start', () => {
    const back = run(`g (float[4] x) => (y) <float[4] r> { r = Relu (x)  d = Cast <to = 11> (r)  y = Cast <to = 1> (d) }`);
    expect(back.out.graph.order.map((id) => back.out.graph.nodes[id].op)).toEqual(['Relu']);
  });
});

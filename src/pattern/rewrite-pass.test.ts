import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { createPassContext, type PassContext, type RuleTraceEvent } from '../pass.js';
import { P, op } from './pattern.js';
import { rule } from './rule.js';
import { rewritePass } from './rewrite-pass.js';

const [x] = P.vars('x');
const doubleNeg = rule('double-neg', op.Neg(op.Neg(x)), (m) => m.x);
const reluAbs = rule('relu-to-abs', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]));
const absRelu = rule('abs-to-relu', op.Abs(x), (m, emit) => emit.op('Relu', [m.x]));
const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { s = Relu (p)  n1 = Neg (s)  n2 = Neg (n1)  y = Sigmoid (n2) }`);

describe('rewritePass', () => {
  it('counts rewrites per rule and honours its own disable option', () => {
    const pass = rewritePass({ name: 'test-rules', summary: 'test', rules: [doubleNeg] });
    const ctx = createPassContext();
    const out = pass().run(model, ctx.scoped('test-rules'));
    expect(out).not.toBe(model);
    expect(ctx.counts.get('test-rules/rule/double-neg')).toBe(1);
    expect(pass({ disable: 'double-*' }).run(model, ctx)).toBe(model);
  });

  it('takes run-wide disable, trace and provenance settings from the context', () => {
    const pass = rewritePass({ name: 'test-rules', summary: 'test', rules: [doubleNeg] })();
    const events: RuleTraceEvent[] = [];
    const base = createPassContext();
    const ctx: PassContext = { ...base, rules: { traced: () => true, trace: (e) => events.push(e), provenance: false } };
    const out = pass.run(model, ctx);
    expect(events.filter((e) => e.fired)).toHaveLength(1);
    expect(Object.values(out.graph.nodes).every((n) => n.meta === undefined)).toBe(true);
    expect(pass.run(model, { ...base, rules: { disabled: (r) => r === 'double-neg' } })).toBe(model);
  });

  it('warns when rules keep undoing each other', () => {
    const pass = rewritePass({ name: 'flip-flop', summary: 'test', rules: [reluAbs, absRelu] });
    const ctx = createPassContext();
    pass({ maxSweeps: 3 }).run(model, ctx);
    expect(ctx.warnings).toEqual([expect.stringMatching(/flip-flop: stopped at 3 sweeps before a fixed point/)]);
  });
});

/** Analyses are computed once per model object and reach passes through the context. */
import { describe, expect, it } from 'vitest';
import { edit } from '../ir/edit/edit.js';
import { parseModel } from '../ir/text/parse.js';
import { createAnalyses, standardAnalyses, type AnalysisDefs } from './analyses.js';
import { definePass } from './pass.js';
import { runSchedule } from './runner.js';
import { seq } from './schedule.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) <float[2] w = {1, 2}> {
  c = Constant <value = float[2] {3, 4}> ()
  a = Add (x, w)
  y = Mul (a, c)
}`);

function counting(): { defs: AnalysisDefs; calls: { types: number; constants: number } } {
  const calls = { types: 0, constants: 0 };
  return {
    calls,
    defs: {
      types: (m) => (calls.types++, standardAnalyses.types(m)),
      constants: (m) => (calls.constants++, standardAnalyses.constants(m)),
    },
  };
}

describe('analyses', () => {
  it('a second request on the same model does not recompute; a new model does', () => {
    const { defs, calls } = counting();
    const a = createAnalyses(defs);
    const t1 = a.get(model, 'types');
    expect(a.get(model, 'types')).toBe(t1);
    expect(calls.types).toBe(1);
    const byName = new Map(Object.values(model.graph.values).map((v) => [v.name, v.id]));
    expect(t1.types.get(byName.get('a')!)).toEqual({ kind: 'tensor', dtype: 1, shape: [2] });
    const c = a.get(model, 'constants');
    expect([...c.keys()].sort()).toEqual([byName.get('w'), byName.get('c')].sort());
    expect(calls.constants).toBe(1);
    const changed = edit(model, (e) => e.setValue(byName.get('a')!, { name: 'sum' }));
    a.get(changed, 'types');
    expect(calls.types).toBe(2);
  });
  it('passes of one run share the memo through ctx.analyses', () => {
    const { defs, calls } = counting();
    const seen: unknown[] = [];
    const reader = definePass({ name: 'reader', summary: 'reads types', defaults: {}, run: (m, ctx) => (seen.push(ctx.analyses.get(m, 'types')), m) });
    runSchedule(seq(reader(), reader(), reader()), model, { analyses: createAnalyses(defs) });
    expect(calls.types).toBe(1);
    expect(seen[0]).toBe(seen[2]);
  });
});

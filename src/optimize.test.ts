import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { optimize } from './optimize.js';
import { definePass } from './pass.js';
import { PassFailure } from './runner.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) }`);
const rename = definePass({ name: 'rename', summary: 'renames the graph', defaults: {}, run: (m, ctx): Model => (ctx.stats.count('renamed'), { ...m, graph: { ...m.graph, name: 'r' } }) });
const breaker = definePass({ name: 'breaker', summary: 'empties the order', defaults: {}, run: (m): Model => ({ ...m, graph: { ...m.graph, order: [] } }) });

describe('optimize', () => {
  it('level 0 without a schedule returns the model itself', () => {
    expect(optimize(model).model).toBe(model);
    expect(() => optimize(model, { level: 1 })).toThrow(/-O1 is not available yet/);
  });
  it('runs a schedule and reports its stats', () => {
    const r = optimize(model, { schedule: { kind: 'pass', pass: rename() } });
    expect(r.model.graph.name).toBe('r');
    expect(r.stats.get('rename/renamed')).toBe(1);
    expect(r.passes.map((p) => p.name)).toEqual(['rename']);
  });
  it('verifyEach names the pass that broke the model', () => {
    expect(() => optimize(model, { schedule: { kind: 'pass', pass: breaker() }, verifyEach: true })).toThrow(PassFailure);
  });
});

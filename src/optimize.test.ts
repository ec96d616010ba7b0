import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { optimize } from './optimize.js';
import { definePass } from './pass.js';
import { PassFailure } from './runner.js';
import { LEVEL_PIPELINES } from './levels.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) }`);
const rename = definePass({ name: 'rename', summary: 'renames the graph', defaults: {}, run: (m, ctx): Model => (ctx.stats.count('renamed'), { ...m, graph: { ...m.graph, name: 'r' } }) });
const breaker = definePass({ name: 'breaker', summary: 'empties the order', defaults: {}, run: (m): Model => ({ ...m, graph: { ...m.graph, order: [] } }) });

describe('optimize', () => {
  it('level 0 without a schedule returns the model itself', () => {
    expect(optimize(model, { level: 0 }).model).toBe(model);
    expect(optimize(model, { level: 0 }).report).toMatchObject({ level: 0, pipeline: '', nodes: { before: 1, after: 1 }, ops: [], passes: [] });
  });
  it('the default level is 2: its pipeline (src/levels.ts) resolves in options.passes', () => {
    expect(() => optimize(model)).toThrow(/-O2 needs a pass registry/);
    const seen: string[] = [];
    const standIns = Object.fromEntries(
      [...new Set(LEVEL_PIPELINES[2].match(/[a-z][a-z0-9-]*/g) ?? [])]
        .filter((n) => !['fixpoint', 'seq', 'repeat', 'max', 'n'].includes(n))
        .map((name) => [name, definePass({ name, summary: 's', defaults: {}, run: (m) => (seen.push(name), m) })]),
    );
    const r = optimize(model, { passes: standIns });
    expect(r.report.level).toBe(2);
    expect(r.report.pipeline).toBe(LEVEL_PIPELINES[2]);
    expect(seen).toContain('fuse');
    seen.length = 0;
    expect(optimize(model, { passes: standIns, level: 1 }).report.pipeline).toBe(LEVEL_PIPELINES[1]);
    expect(seen).not.toContain('fuse');
    // pipeline text replaces the level
    seen.length = 0;
    expect(optimize(model, { passes: standIns, level: 1, pipeline: 'fuse,fuse' }).report).toMatchObject({ level: null, pipeline: 'fuse,fuse', passes: [{ pass: 'fuse', runs: 2, changed: 0 }] });
    expect(seen).toEqual(['fuse', 'fuse']);
  });
  it('-O2 looks for fusions again after the simplifications that follow a fusion', () => {
    // Stand-ins: fuse fuses once, which lets dedupe-initializers (the last simplification) clean
    // up, which exposes a second fusion. -O2's loop runs fuse and the simplifications together
    // until nothing changes, so the second fusion is found.
    const rename = (from: string, to: string) => (m: Model): Model => (m.graph.name === from ? { ...m, graph: { ...m.graph, name: to } } : m);
    const fuseRun = (m: Model) => rename('g~s', 'g~fused2')(rename('g', 'g~f1')(m));
    const standIns = Object.fromEntries(
      [...new Set(LEVEL_PIPELINES[2].match(/[a-z][a-z0-9-]*/g) ?? [])]
        .filter((n) => !['fixpoint', 'seq', 'repeat', 'max', 'n'].includes(n))
        .map((name) => [name, definePass({ name, summary: 's', defaults: {}, run: name === 'fuse' ? fuseRun : name === 'dedupe-initializers' ? rename('g~f1', 'g~s') : (m: Model) => m })]),
    );
    const named = { ...model, graph: { ...model.graph, name: 'g' } };
    expect(optimize(named, { passes: standIns }).model.graph.name).toBe('g~fused2');
  });
  it('setInputShapes fixes input dims (a record or a Map); bad ones are LatheErrors', () => {
    const r = optimize(model, { level: 0, setInputShapes: { x: [2] } });
    expect(r.model.graph.values[r.model.graph.inputs[0]].type).toMatchObject({ shape: [2] });
    expect(r.report.nodes).toEqual({ before: 1, after: 1 });
    expect(() => optimize(model, { level: 0, setInputShapes: new Map([['x', [3]]]) })).toThrow(/dim 0 is 3, declared \[2\]/);
    expect(() => optimize(model, { level: 0, setInputShapes: { w: [3] } })).toThrow(/no input 'w'/);
  });
  it('runs a schedule and reports its stats', () => {
    const r = optimize(model, { pipeline: { kind: 'pass', pass: rename() } });
    expect(r.model.graph.name).toBe('r');
    expect(r.stats.get('rename/renamed')).toBe(1);
    expect(r.passes.map((p) => p.name)).toEqual(['rename']);
    expect(r.report.passes).toEqual([{ pass: 'rename', runs: 1, changed: 1, ms: expect.any(Number), stats: { renamed: 1 } }]);
  });
  it('refuses a model with verifier errors before any pass runs, unless verify is false', () => {
    const broken: Model = { ...model, graph: { ...model.graph, order: [] } }; // y is defined by no node
    const seen: string[] = [];
    const peek = definePass({ name: 'peek', summary: 's', defaults: {}, run: (m) => (seen.push(m.graph.name), m) });
    expect(() => optimize(broken, { pipeline: { kind: 'pass', pass: peek() } })).toThrow(/^invalid model: /);
    expect(seen).toEqual([]);
    expect(optimize(broken, { pipeline: { kind: 'pass', pass: peek() }, verify: false }).model).toBe(broken);
  });
  it('a schedule whose pass has an option text cannot carry (Infinity) runs and is reported', () => {
    const r = optimize(model, { pipeline: { kind: 'pass', pass: definePass({ name: 'capped', summary: 's', defaults: { limit: 0 }, run: (m) => m })({ limit: Infinity }) } });
    expect(r.report.pipeline).toBe('capped{limit=Infinity}');
  });
  it('foldLimit sets limit in every fold-constants step, nested ones included, and nothing else', () => {
    const limits: number[] = [];
    const fold = definePass({ name: 'fold-constants', summary: 's', defaults: { limit: 0 }, run: (m, _ctx, o) => (limits.push(o.limit), m) });
    const other = definePass({ name: 'other', summary: 's', defaults: { limit: 7 }, run: (m, _ctx, o) => (limits.push(-o.limit), m) });
    const passes = { 'fold-constants': fold, other };
    const r = optimize(model, { passes, pipeline: 'fold-constants{limit=5},other,repeat{n=2}(fixpoint(fold-constants))', foldLimit: 4096 });
    // (The nested steps see the model the first already left unchanged, so the runner skips them:
    // the pipeline text shows their options.)
    expect(limits).toEqual([4096, -7]);
    expect(r.report.pipeline).toBe('fold-constants{limit=4096},other,repeat{n=2}(fixpoint(fold-constants{limit=4096}))');
    limits.length = 0;
    optimize(model, { passes, pipeline: 'fold-constants{limit=5},other' });
    expect(limits).toEqual([5, -7]);
    limits.length = 0;
    optimize(model, { passes, pipeline: 'fold-constants', foldLimit: Infinity });
    expect(limits).toEqual([Infinity]);
    for (const bad of [-1, 1.5, NaN]) {
      expect(() => optimize(model, { passes, pipeline: 'fold-constants', foldLimit: bad })).toThrow(`fold limit ${bad}: expected a whole number of bytes, 0 or more`);
    }
    // A pipeline without fold-constants is left as it was, whatever the limit.
    expect(optimize(model, { passes, pipeline: 'other', foldLimit: 1 }).report.pipeline).toBe('other');
  });
  it('verifyEach names the pass that broke the model', () => {
    expect(() => optimize(model, { schedule: { kind: 'pass', pass: breaker() }, verifyEach: true })).toThrow(PassFailure);
  });
});

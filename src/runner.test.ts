/** runSchedule: loops, verify-each, requires/ensures, instruments and failures with their reproducer data. */
import { describe, expect, it } from 'vitest';
import { LatheError } from '../ir/error.js';
import { edit } from '../ir/edit/edit.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model, Node, ValueId } from '../ir/types.js';
import { inferTypes } from '../ir/infer/infer.js';
import { createAnalyses, standardAnalyses } from './analyses.js';
import { definePass } from './pass.js';
import { fixpoint, parsePipeline, repeat, seq, type PassRegistry } from './schedule.js';
import { PassFailure, runSchedule, type Instrument } from './runner.js';
import { invariantChecker } from './invariants.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { a = Relu (x)
 y = Neg (a) }`);
const withFunction = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y) { y = local.f (x) }
<domain: "local", opset_import: ["" : 17]>
f (p) => (q) { q = Relu (p) }`);

/** Renames the graph until it has been renamed `times` times, then changes nothing. */
const countdown = definePass({
  name: 'countdown',
  summary: 'changes the model `times` times',
  defaults: { times: 2 },
  run: (m, ctx, o): Model => {
    const n = Number(m.graph.name.split('-')[1] ?? 0);
    if (n >= o.times) return m;
    ctx.stats.count('steps');
    return { ...m, graph: { ...m.graph, name: `g-${n + 1}` } };
  },
});
const breakOutputs = definePass({
  name: 'break-outputs',
  summary: 'points the graph output at nothing',
  defaults: {},
  run: (m): Model => ({ ...m, graph: { ...m.graph, outputs: ['nowhere' as ValueId] } }),
});
const reverse = definePass({
  name: 'reverse-order',
  summary: 'reverses the node order',
  defaults: {},
  ensures: ['topo-sorted'],
  run: (m): Model => ({ ...m, graph: { ...m.graph, order: [...m.graph.order].reverse() } }),
});
const needsFlat = definePass({ name: 'needs-flat', summary: 'needs no functions', defaults: {}, requires: ['no-functions'], run: (m) => m });
const boom = definePass({ name: 'boom', summary: 'throws', defaults: { why: 'bad' }, run: (_m, _c, o) => { throw new Error(`kaboom: ${o.why}`); } });
const typo = definePass({ name: 'typo', summary: 'names a missing invariant', defaults: {}, requires: ['sorted'], run: (m) => m });
const registry: PassRegistry = { countdown, 'break-outputs': breakOutputs, 'reverse-order': reverse, 'needs-flat': needsFlat, boom, typo };

describe('loops', () => {
  it('fixpoint stops after the first iteration that changes nothing', () => {
    const r = runSchedule(parsePipeline('fixpoint(countdown{times=3})', registry), model);
    expect(r.model.graph.name).toBe('g-3');
    expect(r.passes.map((p) => p.changed)).toEqual([true, true, true, false]);
    expect(r.stop).toBe('done');
    expect(r.warnings).toEqual([]);
    expect(r.stats.get('countdown/steps')).toBe(3);
  });
  it('fixpoint at its cap stops and says so', () => {
    const r = runSchedule(fixpoint({ maxIterations: 2 }, countdown({ times: 5 })), model);
    expect(r.model.graph.name).toBe('g-2');
    expect(r.passes).toHaveLength(2);
    expect(r.stop).toBe('cap');
    expect(r.warnings).toEqual(['fixpoint{max=2}(countdown{times=5}) stopped at its cap of 2 iterations with the model still changing']);
  });
  it('repeat runs its body n times, changed or not', () => {
    const r = runSchedule(repeat(4, countdown({ times: 1 })), model);
    expect(r.passes.map((p) => p.changed)).toEqual([true, false, false, false]);
    expect(runSchedule(repeat(0, countdown()), model).model).toBe(model);
  });
  it('a fixpoint skips a pass on a model the same pass (same options) already left unchanged', () => {
    const seen: string[] = [];
    const peek = definePass({ name: 'peek', summary: 'records the graph name', defaults: { tag: 'a' }, run: (m, _c, o) => (seen.push(`${o.tag}:${m.graph.name}`), m) });
    // The last round's peek would read g-2 again: skipped, and not recorded as a run.
    const r = runSchedule(fixpoint({ maxIterations: 8 }, seq(countdown({ times: 2 }), peek())), model);
    expect(seen).toEqual(['a:g-1', 'a:g-2']);
    expect(r.passes.map((p) => p.name)).toEqual(['countdown', 'peek', 'countdown', 'peek', 'countdown']);
    // Another instance of the same pass counts; other options do not; outside a fixpoint all run.
    seen.length = 0;
    runSchedule(fixpoint({ maxIterations: 8 }, seq(peek(), peek({ tag: 'b' }), peek())), model);
    expect(seen).toEqual(['a:g', 'b:g']);
    seen.length = 0;
    runSchedule(seq(peek(), fixpoint({ maxIterations: 8 }, peek())), model);
    expect(seen).toEqual(['a:g']);
    seen.length = 0;
    runSchedule(seq(peek(), peek()), model);
    expect(seen).toEqual(['a:g', 'a:g']);
  });
  it('a fixpoint runs every pass while rules are traced (the trace shows each attempt)', () => {
    // With --trace-rules the user reads every rule attempt, so no rerun is skipped: the last
    // round's peek reads g-2 again. Untraced, that run is skipped (the test above).
    const seen: string[] = [];
    const peek = definePass({ name: 'peek', summary: 'records the graph name', defaults: {}, run: (m) => (seen.push(m.graph.name), m) });
    const traced = { traced: () => true, trace: () => {} };
    const r = runSchedule(fixpoint({ maxIterations: 8 }, seq(countdown({ times: 2 }), peek())), model, { rules: traced });
    expect(seen).toEqual(['g-1', 'g-2', 'g-2']);
    expect(r.passes.map((p) => p.name)).toEqual(['countdown', 'peek', 'countdown', 'peek', 'countdown', 'peek']);
  });
  it('a fixpoint runs every pass while an instrument watches (it sees each run)', () => {
    // The same fixpoint as above: untraced and unwatched, the last round's peek is skipped.
    const seen: string[] = [];
    const peek = definePass({ name: 'peek', summary: 'records the graph name', defaults: {}, run: (m) => (seen.push(m.graph.name), m) });
    const watched: string[] = [];
    const inst: Instrument = { afterPass: (e) => watched.push(e.text) };
    runSchedule(fixpoint({ maxIterations: 8 }, seq(countdown({ times: 2 }), peek())), model, { instruments: [inst] });
    expect(seen).toEqual(['g-1', 'g-2', 'g-2']);
    expect(watched).toEqual(['countdown', 'peek', 'countdown', 'peek', 'countdown', 'peek']);
  });
  it('an idle schedule returns the same model', () => {
    const r = runSchedule(seq(countdown({ times: 0 }), needsFlat()), model);
    expect(r.model).toBe(model);
    expect(r.changed).toBe(false);
  });
});

function failure(f: () => unknown): PassFailure {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PassFailure);
    expect(e).toBeInstanceOf(LatheError);
    return e as PassFailure;
  }
  throw new Error('no failure');
}

describe('checks', () => {
  it('verifyEach names the pass and the first error; without it the model goes through', () => {
    const s = parsePipeline('countdown,break-outputs', registry);
    const f = failure(() => runSchedule(s, model, { verifyEach: true }));
    expect(f.message).toMatch(/^pass 'break-outputs' made an invalid model: \[undefined-output\] main\/nowhere: output nowhere is not defined/);
    expect(f.kind).toBe('invalid');
    expect(f.pipeline).toBe('break-outputs');
    expect(f.input.graph.name).toBe('g-1'); // the failing pass's input, after countdown
    expect(runSchedule(s, model).model.graph.outputs).toEqual(['nowhere']);
  });
  it('requires: an unmet invariant names pass and invariant', () => {
    const f = failure(() => runSchedule(needsFlat(), withFunction));
    expect(f.message).toBe("pass 'needs-flat' requires 'no-functions', which does not hold: 1 local function (f)");
    expect(f.kind).toBe('requires');
    expect(runSchedule(needsFlat(), model).model).toBe(model);
    expect(runSchedule(needsFlat(), withFunction, { checkInvariants: false }).model).toBe(withFunction);
  });
  it('ensures: an invariant not established after the pass names both', () => {
    const f = failure(() => runSchedule(reverse(), model));
    expect(f.message).toMatch(/^pass 'reverse-order' ensures 'topo-sorted', which does not hold after it: graph g: node .* \(Neg\) reads a before its definition$/);
    expect(f.kind).toBe('ensures');
  });
  it('topo-sorted: a subgraph reading an outer value defined later breaks it (captures count)', () => {
    // The If comes first and its branch reads t, which the Neg after it defines.
    const capture = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (z) {
  t = Neg (x)
  z = If (c) <then_branch = th () => (o1) { o1 = Abs (t) }, else_branch = el () => (o2) { o2 = Relu (x) }>
}`);
    const check = invariantChecker('topo-sorted')!;
    expect(check(capture)).toBeUndefined();
    const late = { ...capture, graph: { ...capture.graph, order: [...capture.graph.order].reverse() } };
    expect(check(late)).toMatch(/^graph g: node .* \(If\) reads t before its definition$/);
  });
  it('an unknown invariant name is an error naming it', () => {
    expect(() => runSchedule(typo(), model)).toThrow("pass 'typo' names an unknown invariant 'sorted' (known: no-functions, topo-sorted, verified)");
  });
  it('a pass that throws becomes a PassFailure with its input and own pipeline text', () => {
    const f = failure(() => runSchedule(parsePipeline('countdown{times=1},boom{why=odd}', registry), model));
    expect(f.message).toBe("pass 'boom' failed: kaboom: odd");
    expect(f.pipeline).toBe('boom{why=odd}');
    expect(f.input.graph.name).toBe('g-1');
    expect((f as { cause?: unknown }).cause).toBeInstanceOf(Error);
  });
});

describe('failures inside passes', () => {
  it('a PassFailure from a nested runSchedule goes through as it is (the inner pass is named, not the outer)', () => {
    const inner = definePass({ name: 'inner-boom', summary: 'throws', defaults: {}, run: (): Model => { throw new Error('inner kaboom'); } });
    const outer = definePass({ name: 'outer-runner', summary: 'runs inner-boom', defaults: {}, run: (m): Model => runSchedule(inner(), m).model });
    const f = failure(() => runSchedule(outer(), model));
    expect(f.pass).toBe('inner-boom');
    expect(f.message).toBe("pass 'inner-boom' failed: inner kaboom");
    expect(f.pipeline).toBe('inner-boom');
  });
  it('a pass throwing something that is not an Error still fails with what it threw', () => {
    const odd = definePass({ name: 'throws-string', summary: 'throws a string', defaults: {}, run: (): Model => { throw 'not an error object'; } });
    const f = failure(() => runSchedule(odd(), model));
    expect(f.message).toBe("pass 'throws-string' failed: not an error object");
    expect(f.kind).toBe('threw');
  });
});

describe('passes built in code with options pipeline text cannot carry', () => {
  it('run, and are named with the value as JavaScript writes it (a limit of Infinity is a fine option)', () => {
    const fold = definePass({ name: 'fold', summary: 'renames the graph', defaults: { limit: 0 }, run: (m, _c, o): Model => ({ ...m, graph: { ...m.graph, name: `limit ${o.limit}` } }) });
    const r = runSchedule(seq(fold({ limit: Infinity }), fold({ limit: 2 })), model);
    expect(r.model.graph.name).toBe('limit 2');
    expect(r.passes.map((p) => p.text)).toEqual(['fold{limit=Infinity}', 'fold{limit=2}']);
    const f = failure(() => runSchedule(boom({ why: ['a'] as never }), model));
    expect(f.pipeline).toBe('boom{why=["a"]}');
    const capped = runSchedule(fixpoint({ maxIterations: 1 }, fold({ limit: -Infinity })), model);
    expect(capped.warnings).toEqual(['fixpoint{max=1}(fold{limit=-Infinity}) stopped at its cap of 1 iterations with the model still changing']);
  });
});

describe('instruments', () => {
  it('see every pass before and after, with time and change, and failures', () => {
    const log: string[] = [];
    let clock = 0;
    const inst: Instrument = {
      beforePass: (e) => log.push(`before ${e.text} ${e.model.graph.name}`),
      afterPass: (e) => log.push(`after ${e.text} ${e.after.graph.name} changed=${e.changed} ms=${e.ms}`),
      afterPassFailed: (e) => log.push(`failed ${e.text} ${e.failure.kind}`),
    };
    const r = runSchedule(parsePipeline('fixpoint(countdown{times=1})', registry), model, { instruments: [inst], now: () => (clock += 5) });
    expect(log).toEqual([
      'before countdown{times=1} g', 'after countdown{times=1} g-1 changed=true ms=5',
      'before countdown{times=1} g-1', 'after countdown{times=1} g-1 changed=false ms=5',
    ]);
    expect(r.passes).toEqual([
      { name: 'countdown', text: 'countdown{times=1}', ms: 5, changed: true },
      { name: 'countdown', text: 'countdown{times=1}', ms: 5, changed: false },
    ]);
    log.length = 0;
    failure(() => runSchedule(boom(), model, { instruments: [inst] }));
    expect(log).toEqual(['before boom g', 'failed boom threw']);
  });
});

describe('context', () => {
  it('hands rule settings to every pass', () => {
    const seen: unknown[] = [];
    const peek = definePass({ name: 'peek', summary: 'reads ctx.rules', defaults: {}, run: (m, ctx) => (seen.push(ctx.rules?.provenance), m) });
    runSchedule(seq(peek(), peek()), model, { rules: { provenance: false } });
    runSchedule(peek(), model);
    expect(seen).toEqual([false, false, undefined]);
  });
});

describe('verifyEach: shape contradictions', () => {
  /** `m` with `f` applied to every node of the main graph. */
  const mapNodes = (m: Model, f: (n: Node) => Node): Model => ({
    ...m,
    graph: { ...m.graph, nodes: Object.fromEntries(Object.entries(m.graph.nodes).map(([id, n]) => [id, f(n)])) as Model['graph']['nodes'] },
  });
  const op = (m: Model, name: string) => Object.values(m.graph.nodes).find((n) => n.op === name)!;
  // Planted bugs: each leaves a structurally sound model that no runtime loads.
  const swapMatMul = definePass({
    name: 'swap-matmul', summary: 'swaps the operands of every MatMul', defaults: {},
    run: (m) => mapNodes(m, (n) => (n.op === 'MatMul' ? { ...n, inputs: [n.inputs[1], n.inputs[0]] } : n)),
  });
  const groupConv = definePass({
    name: 'group-conv', summary: 'sets group = 3 on every Conv', defaults: {},
    run: (m) => mapNodes(m, (n) => (n.op === 'Conv' ? { ...n, attrs: [{ name: 'group', kind: 'int', value: 3n }] } : n)),
  });
  // Correct passes that rename, drop and reorder nodes around a contradiction already there.
  const reluRelu = definePass({
    name: 'relu-relu', summary: 'Relu(Relu(x)) -> Relu(x)', defaults: {},
    run: (m) => edit(m, (e) => {
      for (const n of [...e.nodes({ op: 'Relu' })]) {
        if (e.producer(n.inputs[0]!)?.node.op !== 'Relu') continue;
        e.replaceAllUses(n.outputs[0]!, n.inputs[0]!);
        e.remove(n.id);
      }
    }),
  });
  const nameMatMul = definePass({
    name: 'name-matmul', summary: 'names every MatMul', defaults: {},
    run: (m) => mapNodes(m, (n) => (n.op === 'MatMul' ? { ...n, name: 'mm_renamed' } : n)),
  });
  const dropHead = definePass({
    name: 'drop-head', summary: 'drops the first node (dead in its models)', defaults: {},
    run: (m) => edit(m, (e) => e.remove(m.graph.order[0])),
  });
  const wrongWeight = definePass({
    name: 'wrong-weight', summary: 'makes every MatMul read the graph input w', defaults: {},
    run: (m) => edit(m, (e) => {
      for (const n of [...e.nodes({ op: 'MatMul' })]) e.setInput(n.id, 1, m.graph.inputs[1]);
    }),
  });
  const matmul = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x, float[3,4] w) => (float[2,4] y) { y = MatMul (x, w) }`);
  const conv = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1,3,4,4] x, float[2,3,1,1] w) => (float[1,2,4,4] y) { y = Conv (x, w) }`);
  // Already contradictory: [N, 3] × [5, 4].
  const broken = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x, float[5,4] w) => (y) { a = Relu (x)
 b = Relu (a)
 y = MatMul (b, w) }`);

  it('a pass that makes a MatMul or Conv contradiction fails as invalid, naming the pass and the problem', () => {
    const f = failure(() => runSchedule(seq(countdown({ times: 1 }), swapMatMul()), matmul, { verifyEach: true }));
    expect(f.kind).toBe('invalid');
    expect(f.pass).toBe('swap-matmul');
    expect(f.message).toBe("pass 'swap-matmul' made a shape contradiction: [shape-mismatch] main/#0 MatMul: inner dims differ: [3, 4] × [2, 3]");
    expect(f.input.graph.name).toBe('g-1');
    const g = failure(() => runSchedule(groupConv(), conv, { verifyEach: true }));
    expect(g.kind).toBe('invalid');
    expect(g.message).toBe("pass 'group-conv' made a shape contradiction: [shape-mismatch] main/#0 Conv: input has 3 channels, the weight [2, 3, 1, 1] reads 9 (group 3)");
  });
  it('without verifyEach the same passes go through', () => {
    expect(op(runSchedule(swapMatMul(), matmul).model, 'MatMul').inputs).toEqual([...op(matmul, 'MatMul').inputs].reverse());
    expect(runSchedule(groupConv(), conv).model).not.toBe(conv);
  });
  it('a contradiction the input already has is not blamed on a pass that renames, drops or reorders nodes', () => {
    const r = runSchedule(seq(reluRelu(), nameMatMul(), countdown({ times: 1 })), broken, { verifyEach: true });
    expect(r.passes.map((p) => [p.name, p.changed])).toEqual([['relu-relu', true], ['name-matmul', true], ['countdown', true]]);
    expect(op(r.model, 'MatMul').inputs[0]).toBe(op(r.model, 'Relu').outputs[0]);
    // Inference numbers the dims it invents in walk order: dropping the dead NonZero turns the
    // live one's unk__1 into unk__0, and the contradiction below must still be recognized.
    const fresh = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[3,1] z) => (y) { dead = NonZero (x)
 n = NonZero (x)
 c = Cast <to = 1> (n)
 y = Add (c, z) }`);
    expect(runSchedule(dropHead(), fresh, { verifyEach: true }).model.graph.order).toHaveLength(3);
  });
  it('a new contradiction is blamed even next to old ones, and it is the one named', () => {
    // y is [2, 3] × [5, 4] already; reading w, z becomes the very same contradiction.
    const two = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x, float[5,4] w, float[3,4] v) => (y, z) { y = MatMul (x, w)
 z = MatMul (x, v) }`);
    const f = failure(() => runSchedule(wrongWeight(), two, { verifyEach: true }));
    expect(f.message).toBe("pass 'wrong-weight' made a shape contradiction: [shape-mismatch] main/#1 MatMul: inner dims differ: [2, 3] × [5, 4]");
    // The new one comes first and an old one of another text after it: the new one is named.
    const first = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x, float[5,4] w, float[3,4] v, float[2,7] u) => (z, y) { z = MatMul (x, v)
 y = MatMul (u, w) }`);
    expect(failure(() => runSchedule(wrongWeight(), first, { verifyEach: true })).message).toMatch(/main\/#0 MatMul: inner dims differ: \[2, 3\] × \[5, 4\]$/);
  });
  it('a pass that rewrites a contradictory node into another of its op carries the contradiction, it does not make one', () => {
    // Concat(Concat(x, x), s) with a scalar s becomes Concat(x, x, s): another text, same fault.
    const nested = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x, float s) => (y) { a = Concat <axis = 0> (x, x)
 y = Concat <axis = 0> (a, s) }`);
    const flatten = definePass({
      name: 'flatten-concat', summary: 'Concat(Concat(a, b), c) -> Concat(a, b, c)', defaults: {},
      run: (m): Model => {
        const [inner, outer] = m.graph.order.map((id) => m.graph.nodes[id]!);
        const flat = mapNodes(m, (n) => (n === outer ? { ...n, inputs: [...inner.inputs, ...outer.inputs.slice(1)] } : n));
        return edit(flat, (e) => e.remove(inner.id));
      },
    });
    const r = runSchedule(flatten(), nested, { verifyEach: true });
    expect(op(r.model, 'Concat').inputs).toHaveLength(3);
    // The same pass on a sound model (s of rank 1) is fine; one that breaks it is not.
    const sound = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x, float[1] s) => (y) { a = Concat <axis = 0> (x, x)
 y = Concat <axis = 0> (a, s) }`);
    expect(runSchedule(flatten(), sound, { verifyEach: true }).changed).toBe(true);
    const scalar = definePass({
      name: 'scalar-last', summary: 'makes the last Concat read a scalar', defaults: {},
      run: (m) => mapNodes(m, (n) => (n.outputs[0] === m.graph.outputs[0] ? { ...n, inputs: [n.inputs[0], m.graph.inputs[1]] } : n)),
    });
    const withScalar = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x, float s, float[1] t) => (y) { a = Concat <axis = 0> (x, x)
 y = Concat <axis = 0> (a, t) }`);
    expect(failure(() => runSchedule(scalar(), withScalar, { verifyEach: true })).message).toMatch(/^pass 'scalar-last' made a shape contradiction: \[shape-mismatch\] main\/#1 Concat: inputs differ in rank/);
  });
  it('infers the input\'s shapes only when the output has contradictions, each model once', () => {
    const inferred: string[] = [];
    const analyses = createAnalyses({ ...standardAnalyses, types: (m) => (inferred.push(m.graph.name), inferTypes(m)) });
    runSchedule(seq(countdown({ times: 1 }), countdown({ times: 2 })), matmul, { verifyEach: true, analyses });
    expect(inferred).toEqual(['g-1', 'g-2']);
    inferred.length = 0;
    runSchedule(seq(countdown({ times: 1 }), countdown({ times: 2 })), broken, { verifyEach: true, analyses: createAnalyses({ ...standardAnalyses, types: (m) => (inferred.push(m.graph.name), inferTypes(m)) }) });
    expect(inferred).toEqual(['g-1', 'g', 'g-2']);
  });
});

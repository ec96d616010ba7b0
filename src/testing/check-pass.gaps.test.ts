/**
 * checkOne's own checks that no test had run (coverage): a pass that changes the declared type of
 * a graph output, one that grows the tensor bytes, one whose second run throws, and an input
 * model that does not verify. If these checks broke, checkPass would pass broken passes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { edit, editAll } from '../../ir/edit/edit.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, Type } from '../../ir/types.js';
import { checkOne, checkPass, formatFinding, tensorBytes } from './check-pass.js';
import { failure } from './check-pass.test-util.js';

const model = (outType: string) => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,N] x) => (${outType} y) { y = Relu (x) }`);
const retype = (type: Type) => (m: Model) => edit(m, (e) => e.setValue(m.graph.outputs[0], { type }));
const problem = (outType: string, type: Type) => checkOne(retype(type), model(outType), [])?.problem;
const f32 = (shape?: (number | string | null)[]): Type => ({ kind: 'tensor', dtype: 1, ...(shape && { shape }) }) as Type;

describe('checkOne: the declared types of graph outputs must survive the pass', () => {
  // A pass whose output verifies (so only the signature check can catch it): y is now computed
  // by another node with another declared type.
  const becomes = (outType: string, body: string) => () => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,N] x) => (${outType} y) { ${body} }`);
  test('another dtype', () => {
    expect(checkOne(becomes('double[2,N]', 'y = Cast <to = 11> (x)'), model('float[2,N]'), [])?.problem).toBe("the type of graph output 'y' changed: float[2,N] became double[2,N]");
  });
  test('another rank, or no shape where one was declared', () => {
    expect(problem('float[2,N]', f32([2, 'N', 1]))).toMatch(/float\[2,N\] became float\[2,N,1\]/);
    expect(problem('float[2,N]', f32())).toMatch(/float\[2,N\] became float$/);
  });
  test('another static dim, or a symbolic dim fixed to a number', () => {
    expect(problem('float[2,N]', f32([3, 'N']))).toMatch(/became float\[3,N\]/);
    expect(problem('float[2,N]', f32([2, 4]))).toMatch(/became float\[2,4\]/);
  });
  test('no longer a tensor', () => {
    expect(checkOne(becomes('seq(float[2,N])', 'y = SequenceConstruct (x)'), model('float[2,N]'), [])?.problem).toBe("the type of graph output 'y' changed: float[2,N] became sequence");
  });
  test('refining what was unknown is fine: an unknown dim, or no declared shape at all', () => {
    expect(problem('float[2,?]', f32([2, 5]))).toBeUndefined();
    const unranked = retype(f32())(model('float[2,N]'));
    expect(checkOne(retype(f32([2, 'N'])), unranked, [])).toBeUndefined();
    // 'float' in the text is a scalar (shape []), not an unknown shape: giving it dims is a break.
    expect(problem('float', f32([2, 'N']))).toMatch(/float\[\] became float\[2,N\]/);
    expect(problem('float[2,N]', f32([2, 'N']))).toBeUndefined();
  });
  test('graph inputs are checked as well', () => {
    const m = model('float[2,N]');
    const t = (mm: Model) => edit(mm, (e) => e.setValue(mm.graph.inputs[0], { type: { kind: 'tensor', dtype: 1, shape: [2, 3] } }));
    expect(checkOne(t, m, [])?.problem).toBe("the type of graph input 'x' changed: float[2,N] became float[2,3]");
  });
});

describe('checkOne: growth, second runs, and the input model', () => {
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) <float[2] w = {1, 2}> { y = Add (x, w) }`);
  const addWeight = (mm: Model) => edit(mm, (e) => void e.addInitializer({ dtype: 1, dims: [3], data: { kind: 'raw', bytes: new Uint8Array(12) } }, 'extra'));
  test('tensorBytes counts payload bytes by dtype and dims (float[2] is 8 bytes)', () => {
    expect(tensorBytes(m)).toBe(8);
    expect(tensorBytes(addWeight(m))).toBe(20);
  });
  test("noGrowth 'bytes' (and true) catch an added weight; 'nodes' does not look at bytes", () => {
    expect(checkOne(addWeight, m, [], { noGrowth: 'bytes' })?.problem).toBe('tensor bytes grew from 8 to 20');
    expect(checkOne(addWeight, m, [], { noGrowth: true })?.problem).toBe('tensor bytes grew from 8 to 20');
    expect(checkOne(addWeight, m, [], { noGrowth: 'nodes' })).toBeUndefined();
  });
  test('idempotent: a second run that throws is reported', () => {
    let runs = 0;
    const once = (mm: Model) => {
      if (runs++ > 0) throw new Error('ran twice');
      return mm;
    };
    expect(checkOne(once, m, [], { idempotent: true })?.problem).toBe('a second run threw: ran twice');
  });
  test('an input model that does not verify is the generator\'s fault, reported as such', () => {
    const broken: Model = { ...m, graph: { ...m.graph, outputs: ['nowhere' as never] } };
    expect(checkOne((mm) => mm, broken, [])?.problem).toMatch(/^the INPUT model does not verify \(a generator bug, not the pass's\): \[undefined-output\]/);
  });
});

describe('checkOne: shape contradictions the pass makes, not those its input has', () => {
  const swapMatMul = (m: Model) => editAll(m, (e) => {
    for (const n of [...e.nodes({ op: 'MatMul' })]) {
      const [a, b] = n.inputs;
      e.setInput(n.id, 0, b);
      e.setInput(n.id, 1, a);
    }
  });
  test('a contradiction in an If branch no feed takes is caught (the evaluator never runs it)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x, float[3,4] w) => (float[2,4] y) {
  c = Constant <value = bool {0}> ()
  y = If (c) <then_branch = t () => (o) { o = MatMul (x, w) }, else_branch = e () => (o2) { o2 = Gemm (x, w) }>
}`);
    const e = failure(() => checkPass(swapMatMul, { models: [m], runs: 0 }));
    expect(e.problem).toBe('the output has a shape contradiction the input has not: [shape-mismatch] main/#1 If.then_branch/#0 MatMul: inner dims differ: [3, 4] × [2, 3]');
  });
  test('one the input has already is not the pass\'s, though its node moves from #2 to #1', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x, float[5,4] w) => (y) { a = Relu (x)
 b = Relu (a)
 y = MatMul (b, w) }`);
    const reluRelu = (mm: Model) => edit(mm, (e) => {
      const [, second] = [...e.nodes({ op: 'Relu' })];
      e.replaceAllUses(second.outputs[0]!, second.inputs[0]!);
      e.remove(second.id);
    });
    expect(reluRelu(m).graph.order).toHaveLength(2);
    expect(checkOne(reluRelu, m, [])).toBeUndefined();
  });
});

describe('checkPass with a custom model arbitrary (generate: fc.Arbitrary<Model>)', () => {
  // Sub models with a varying second operand; the pass swaps Sub's operands: wrong unless equal.
  const subModel = (n: number) => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[${n}] a, float[${n}] b) => (float[${n}] y) { y = Sub (a, b) }`);
  const reluModel = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] a) => (float[2] y) { y = Relu (a) }`);
  const swapSub = (m: Model) => edit(m, (e) => {
    for (const n of e.nodes({ op: 'Sub' })) {
      const [a, b] = n.inputs;
      e.setInput(n.id, 0, b);
      e.setInput(n.id, 1, a);
    }
  });
  const gen = fc.oneof(fc.integer({ min: 1, max: 4 }).map(subModel), fc.constant(reluModel));
  test('a wrong pass is caught on the drawn models, with focus 1 and with the default focus', () => {
    for (const focus of [1, undefined]) {
      const e = failure(() => checkPass(swapSub, { generate: gen, seed: 3, runs: 20, ...(focus && { focus }) }));
      expect(e.problem).toBe("outputs differ from the original's");
      expect(e.modelText).toContain('Sub');
    }
  });
  test('a correct pass passes, and every run is counted', () => {
    expect(checkPass((m: Model) => m, { generate: gen, seed: 3, runs: 15 }).models).toBe(15);
  });
  test('the models the pass acts on are the ones checked: a bug on Sub is found even when Relu models dominate', () => {
    // One Sub model in 20 draws: a run draws up to `focus` models and checks those the pass changes.
    const rare = fc.oneof({ arbitrary: fc.constant(reluModel), weight: 19 }, { arbitrary: fc.constant(subModel(3)), weight: 1 });
    const e = failure(() => checkPass(swapSub, { generate: rare, seed: 5, runs: 3, focus: 64 }));
    expect(e.modelText).toContain('Sub');
  });
});

describe('the report of a finding', () => {
  test('feeds are shown with dtype and dims, more than 24 elements cut to 24 (25 is cut), non-tensors by kind', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[25] x) => (y) { y = Relu (x) }`);
    const long = { kind: 'tensor', dtype: 1, dims: [25], data: Float32Array.from({ length: 25 }, (_, i) => i) } as const;
    const text = formatFinding('p', m, { problem: 'bad', feeds: { x: long, s: { kind: 'sequence', items: [] } } }, 'replay');
    const line = text.split('\n').find((l) => l.startsWith('x = '))!;
    expect(line).toBe(`x = float[25] [${Array.from({ length: 24 }, (_, i) => i).join(', ')}, …]`);
    expect(text.split('\n')).toContain('s = sequence');
    const short = formatFinding('p', m, { problem: 'bad', feeds: { x: { ...long, dims: [2], data: Float32Array.of(-0, 1.5) } } }, 'replay');
    expect(short.split('\n')).toContain('x = float[2] [-0, 1.5]');
  });
  test('an asynchronous oracle given to the synchronous checkPass is refused, naming checkPassAsync', () => {
    expect(() => checkPass((m: Model) => m, { oracle: 'onnxruntime', runs: 1 })).toThrow(/the oracle 'onnxruntime' runs asynchronously: call checkPassAsync/);
    expect(() => checkPass((m: Model) => m, { oracle: { name: 'mine', run: async () => new Map() } as never, runs: 1 })).toThrow(/the oracle mine runs asynchronously/);
  });
});

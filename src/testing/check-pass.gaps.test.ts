/**
 * checkOne's own checks that no test had run (coverage): a pass that changes the declared type of
 * a graph output, one that grows the tensor bytes, one whose second run throws, and an input
 * model that does not verify. If these checks broke, checkPass would pass broken passes.
 */
import { describe, expect, test } from 'vitest';
import { edit } from '../../ir/edit/edit.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, Type } from '../../ir/types.js';
import { checkOne, tensorBytes } from './check-pass.js';

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

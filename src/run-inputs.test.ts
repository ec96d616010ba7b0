import { describe, expect, test } from 'vitest';
import { DataType as D, dtypeName } from '../ir/dtype.js';
import { roundToDtype } from '../ir/ops/float-formats.js';
import type { TensorValue } from '../ir/ops/types.js';
import { parseModel } from '../ir/text/parse.js';
import type { Platform } from './platform.js';
import { gatherInputs, type FeedSpec } from './run-inputs.js';

const noFiles = { exists: () => false, readBytes: () => new Uint8Array(0) } as unknown as Platform;
const spec = (over: Partial<FeedSpec> = {}): FeedSpec => ({ named: new Map(), random: true, shapes: new Map(), seed: 0, ...over });

function modelWith(type: string) {
  return parseModel(`<ir_version: 10, opset_import: ["" : 21]>\ng (${type} x) => (${type} y) {\n  y = Identity (x)\n}\n`);
}

describe('random inputs', () => {
  test.each([
    ['float', (x: number) => x >= -1 && x < 1],
    ['double', (x: number) => x >= -1 && x < 1],
    ['float16', (x: number) => x >= -1 && x <= 1 && roundToDtype(D.FLOAT16, x) === x],
    ['bfloat16', (x: number) => x >= -1 && x <= 1 && roundToDtype(D.BFLOAT16, x) === x],
    ['float8e4m3fn', (x: number) => x >= -1 && x <= 1 && roundToDtype(D.FLOAT8E4M3FN, x) === x],
    ['int8', (x: number) => Number.isInteger(x) && x >= 0 && x < 10],
    ['uint64', (x: number) => Number.isInteger(x) && x >= 0 && x < 10],
    ['int4', (x: number) => x >= 0 && x < 8],
    ['uint2', (x: number) => x >= 0 && x < 2],
    ['bool', (x: number) => x === 0 || x === 1],
  ])('%s: values in range, representable, deterministic, and varied', (name, ok) => {
    const m = modelWith(`${name}[3,7]`);
    const v = gatherInputs(noFiles, m, spec(), 'm.onnx').get('x') as TensorValue;
    expect(dtypeName(v.dtype)).toBe(name);
    expect(v.dims).toEqual([3, 7]);
    const xs = Array.from(v.data as ArrayLike<number | bigint>, Number);
    expect(xs).toHaveLength(21);
    for (const x of xs) expect(ok(x), `${x}`).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(1);
    expect(gatherInputs(noFiles, m, spec(), 'm.onnx').get('x')).toEqual(v);
    expect(gatherInputs(noFiles, m, spec({ seed: 1 }), 'm.onnx').get('x')).not.toEqual(v);
  });

  test('strings, scalars and given shapes', () => {
    const s = gatherInputs(noFiles, modelWith('string[2]'), spec(), 'm.onnx').get('x') as TensorValue;
    expect(s.data).toHaveLength(2);
    expect((s.data as string[]).every((x) => /^[a-z]$/.test(x))).toBe(true);
    expect((gatherInputs(noFiles, modelWith('float'), spec(), 'm.onnx').get('x') as TensorValue).dims).toEqual([]);
    const shapes = new Map([['x', [2, 5]]]);
    expect((gatherInputs(noFiles, modelWith('float[2,?]'), spec({ shapes }), 'm.onnx').get('x') as TensorValue).dims).toEqual([2, 5]);
  });

  test('no shape, an unknown dim, and a shape past the element cap are refused naming the input', () => {
    expect(() => gatherInputs(noFiles, modelWith('float[]'), spec(), 'm.onnx')).toThrow(/input 'x' has no declared shape; give --set-input-shape x=/);
    expect(() => gatherInputs(noFiles, modelWith('float[2,?]'), spec(), 'm.onnx')).toThrow(/input 'x': dim 1 is an unknown dim/);
    const huge = new Map([['x', [100000, 100000]]]);
    expect(() => gatherInputs(noFiles, modelWith('float[?,?]'), spec({ shapes: huge }), 'm.onnx')).toThrow(/has more than \d+ elements/);
    expect(() => gatherInputs(noFiles, modelWith('float[2]'), spec({ random: false }), 'm.onnx')).toThrow(/input 'x' is missing/);
  });
});

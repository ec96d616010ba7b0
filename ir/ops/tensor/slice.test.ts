import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bools, c64, f32, i32, i64, iota, plain, run, run1, str } from './test-util.js';

describe('Concat', () => {
  it('joins along an inner axis, strings included', () => {
    const y = run1('Concat', [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6])], { axis: -1 });
    expect(plain(y)).toEqual({ dims: [2, 3], data: [1, 3, 4, 2, 5, 6] });
    expect(plain(run1('Concat', [str([1], ['a']), str([2], ['b', 'c'])], { axis: 0 })).data).toEqual(['a', 'b', 'c']);
    expect(plain(run1('Concat', [c64([1], [1, 2]), c64([1], [3, 4])], { axis: 0 })).data).toEqual([1, 2, 3, 4]);
  });
  it('accepts empty inputs and rejects mismatched shapes', () => {
    expect(plain(run1('Concat', [f32([0, 2], []), f32([1, 2], [7, 8])], { axis: 0 }))).toEqual({ dims: [1, 2], data: [7, 8] });
    expect(() => run1('Concat', [f32([1, 2], [1, 2]), f32([1, 3], [1, 2, 3])], { axis: 0 })).toThrow(/Concat: shapes/);
  });
});

describe('Split', () => {
  const x = iota([6]);
  it('splits evenly by output count, by the split input, and by num_outputs (last chunk smaller)', () => {
    expect(run('Split', [x], {}, { outputs: 3 }).map((t) => plain(t).data)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(run('Split', [x, i64([2], [2, 4])], {}, { outputs: 2 }).map((t) => plain(t).data)).toEqual([[0, 1], [2, 3, 4, 5]]);
    expect(run('Split', [iota([7])], { num_outputs: 3 }, { outputs: 3, opset: 18 }).map((t) => plain(t).data))
      .toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(run('Split', [x], { split: [1, 5] }, { outputs: 2, opset: 11 }).map((t) => plain(t).dims)).toEqual([[1], [5]]);
  });
  it('handles zero-size parts and rejects bad sums', () => {
    expect(run('Split', [x, i64([3], [0, 6, 0])], {}, { outputs: 3 }).map((t) => plain(t).dims)).toEqual([[0], [6], [0]]);
    expect(() => run('Split', [x, i64([2], [2, 2])], {}, { outputs: 2 })).toThrow(/Split/);
    expect(() => run('Split', [iota([7])], {}, { outputs: 3, opset: 13 })).toThrow(/Split/);
  });
});

/**
 * One axis sliced as ONNX's Slice clamps: Python's slicing, except that a backward start before the
 * beginning clamps to 0 (the spec's [0, dim − 1]; onnxruntime agrees), where Python selects nothing.
 */
function refSlice(n: number, start: number, end: number, step: number): number[] {
  const out: number[] = [];
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (step > 0) {
    start = Math.max(0, Math.min(start, n));
    end = Math.max(0, Math.min(end, n));
    for (let i = start; i < end; i += step) out.push(i);
  } else {
    start = Math.min(Math.max(start, 0), n - 1); // (an empty axis: -1, nothing)
    end = Math.max(-1, Math.min(end, n - 1));
    for (let i = start; i > end; i += step) out.push(i);
  }
  return out;
}

describe('Slice', () => {
  it('matches the spec\'s clamping on one axis, with negative steps (a backward start before the beginning is element 0)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 7 }), fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 10 }),
      fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
      (n, s, e, st) => {
        const y = run1('Slice', [iota([n]), i64([1], [s]), i64([1], [e]), i64([1], [0]), i64([1], [st])]);
        expect(plain(y).data).toEqual(refSlice(n, s, e, st));
      },
    ), { seed: 42, numRuns: 300 });
  });
  it('slices several axes with int32 parameters and huge ends; attribute form before opset 10', () => {
    const y = run1('Slice', [iota([3, 4]), i32([2], [1, -1]), i32([2], [1000, -5]), i32([2], [0, 1]), i32([2], [1, -2])]);
    expect(plain(y)).toEqual({ dims: [2, 2], data: [7, 5, 11, 9] });
    const big = run1('Slice', [iota([4]), i64([1], [1]), i64([1], [2n ** 63n - 1n])]);
    expect(plain(big).data).toEqual([1, 2, 3]);
    expect(plain(run1('Slice', [iota([2, 3])], { starts: [1], ends: [3], axes: [1] }, 1)).data).toEqual([1, 2, 4, 5]);
  });
  it('rejects a zero step', () => {
    expect(() => run1('Slice', [iota([3]), i64([1], [0]), i64([1], [3]), i64([1], [0]), i64([1], [0])])).toThrow(/Slice: step/);
  });
});

describe('Pad', () => {
  const x = f32([3, 2], [1, 1.2, 2.3, 3.4, 4.5, 5.7]);
  it('constant / reflect / edge / wrap follow the spec examples', () => {
    const c = run1('Pad', [x, i64([4], [0, 2, 0, 0]), f32([], [0])], { mode: 'constant' });
    expect(Array.from(c.data as Float32Array)).toEqual(Array.from(Float32Array.from([0, 0, 1, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7])));
    const r = run1('Pad', [x, i64([4], [0, 2, 0, 0])], { mode: 'reflect' });
    expect(plain(r).data).toEqual(plain(f32([12], [1, 1.2, 1, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7])).data);
    const e = run1('Pad', [x, i64([4], [0, 2, 0, 0])], { mode: 'edge' });
    expect(plain(e).data).toEqual(plain(f32([12], [1, 1, 1, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7])).data);
    const w = run1('Pad', [x, i64([4], [2, 1, 1, 1])], { mode: 'wrap' });
    expect(w.dims).toEqual([6, 4]);
    expect(plain(w).data.slice(0, 8)).toEqual(plain(f32([8], [3.4, 2.3, 3.4, 2.3, 5.7, 4.5, 5.7, 4.5])).data);
  });
  // Pads longer than the axis repeat the pattern, as numpy.pad (the ONNX reference) does: wrap is
  // periodic, reflect bounces between the ends.
  it('wrap and reflect pads longer than the axis keep repeating', () => {
    const v = f32([3], [1, 2, 3]);
    expect(plain(run1('Pad', [v, i64([2], [4, 4])], { mode: 'wrap' })).data).toEqual([3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
    expect(plain(run1('Pad', [v, i64([2], [4, 4])], { mode: 'reflect' })).data).toEqual([1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3]);
  });
  it('pads chosen axes, crops with negative pads, fills strings with the constant', () => {
    const y = run1('Pad', [iota([2, 3]), i64([2], [1, -1]), f32([], [9]), i64([1], [-1])]);
    expect(plain(y)).toEqual({ dims: [2, 3], data: [9, 0, 1, 9, 3, 4] });
    expect(plain(run1('Pad', [str([1], ['a']), i64([2], [1, 0]), str([], ['z'])])).data).toEqual(['z', 'a']);
    expect(plain(run1('Pad', [iota([2])], { pads: [1, 0], value: { float: 5 } }, 2)).data).toEqual([5, 0, 1]);
  });
  it('rejects over-cropping and reflect on an empty axis', () => {
    expect(() => run1('Pad', [iota([2]), i64([2], [-2, -1])])).toThrow(/Pad: pads/);
    expect(() => run1('Pad', [f32([0], []), i64([2], [1, 1])], { mode: 'reflect' })).toThrow(/Pad/);
    expect(() => run1('Pad', [iota([2, 2]), i64([4], [0, 0, 2 ** 20, 2 ** 20])])).toThrow(/Pad: output of/);
  });
});

describe('CenterCropPad / Compress', () => {
  it('crops floor-centred and pads with the extra element at the end', () => {
    expect(plain(run1('CenterCropPad', [iota([5]), i64([1], [2])]))).toEqual({ dims: [2], data: [1, 2] });
    expect(plain(run1('CenterCropPad', [iota([2]), i64([1], [5])]))).toEqual({ dims: [5], data: [0, 0, 1, 0, 0] });
    expect(plain(run1('CenterCropPad', [iota([2, 4]), i64([1], [2])], { axes: [-1] })).data).toEqual([1, 2, 5, 6]);
  });
  it('Compress keeps selected slices; flattens without axis; rejects selections past the end', () => {
    expect(plain(run1('Compress', [iota([3, 2]), bools([3], [0, 1, 1])], { axis: 0 }))).toEqual({ dims: [2, 2], data: [2, 3, 4, 5] });
    expect(plain(run1('Compress', [iota([2, 2]), bools([3], [0, 1, 1])]))).toEqual({ dims: [2], data: [1, 2] });
    expect(() => run1('Compress', [iota([2]), bools([3], [0, 0, 1])], { axis: 0 })).toThrow(/Compress/);
  });
});

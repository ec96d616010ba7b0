import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { Graph } from '../../types.js';
import type { RtValue, TensorValue } from '../types.js';
import { flowOps } from './flow.js';
import { bool, ctxOf, f32, fakeGraph, find, i64, plain } from './test-util.js';

const If = find(flowOps, 'If');
const Loop = find(flowOps, 'Loop');
const Scan = find(flowOps, 'Scan');

const num = (v: RtValue | null): number[] => plain(v).data as number[];
const add = (a: TensorValue, b: TensorValue): TensorValue => {
  const x = a.data as Float32Array, y = b.data as Float32Array;
  return f32(a.dims.slice(), Array.from(x, (v, i) => v + y[i]));
};
const mul = (a: TensorValue, b: TensorValue): TensorValue => {
  const x = a.data as Float32Array, y = b.data as Float32Array;
  return f32(a.dims.slice(), Array.from(x, (v, i) => v * y[i]));
};

describe('If', () => {
  const run = (cond: boolean) => {
    const ctx = ctxOf('If', { then_branch: fakeGraph('then'), else_branch: fakeGraph('else') }, {
      runGraph: (g) => [f32([1], [g.name === 'then' ? 1 : 2])],
    });
    return num(If.kernel([bool(cond)], ctx)[0]);
  };
  it('runs the branch the condition selects', () => {
    expect(run(true)).toEqual([1]);
    expect(run(false)).toEqual([2]);
  });
  it('rejects a missing branch and a non-tensor condition', () => {
    const ctx = ctxOf('If', { then_branch: fakeGraph('then') }, { runGraph: () => [] });
    expect(() => If.kernel([bool(false)], ctx)).toThrow(LatheError);
    expect(() => If.kernel([null], ctx)).toThrow(/cond/);
  });
});

describe('Loop', () => {
  const x = [1, 2, 3, 4, 5];
  // Body of the loop11 node test: y += x[i]; scan out y.
  const body = (_g: Graph, ins: readonly (RtValue | null)[]): RtValue[] => {
    const i = Number((ins[0] as TensorValue).data[0]);
    const y = add(ins[2] as TensorValue, f32([1], [x[i]]));
    return [ins[1]!, y, y];
  };
  it('carries values and stacks scan outputs (loop11)', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, { inputs: 3, outputs: 2, runGraph: body });
    const [y, scan] = Loop.kernel([i64([], [5]), bool(true), f32([1], [0])], ctx);
    expect(num(y)).toEqual([15]);
    expect(plain(scan).dims).toEqual([5, 1]);
    expect(num(scan)).toEqual([1, 3, 6, 10, 15]);
  });
  it('stops when the body condition turns false (while loop)', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, {
      inputs: 3, outputs: 1,
      runGraph: (_g, ins) => {
        const i = Number((ins[0] as TensorValue).data[0]);
        return [bool(i < 2), add(ins[2] as TensorValue, f32([], [1]))];
      },
    });
    // Iterations 0,1,2 run (cond checked before each), then stop.
    expect(num(Loop.kernel([null, bool(true), f32([], [0])], ctx)[0])).toEqual([3]);
  });
  it('ignores the body condition without a cond input (for loop)', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, {
      inputs: 3, outputs: 1,
      runGraph: (_g, ins) => [bool(false), add(ins[2] as TensorValue, f32([], [1]))],
    });
    expect(num(Loop.kernel([i64([], [4]), null, f32([], [0])], ctx)[0])).toEqual([4]);
  });
  it('runs no iteration when cond starts false; scan outputs are empty', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, { inputs: 3, outputs: 2, outputDtypes: [D.FLOAT, D.FLOAT], runGraph: body });
    const [y, scan] = Loop.kernel([i64([], [5]), bool(false), f32([1], [7])], ctx);
    expect(num(y)).toEqual([7]);
    expect(plain(scan).dims[0]).toBe(0);
  });
  it('carries sequences', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, {
      inputs: 3, outputs: 1,
      runGraph: (_g, ins) => {
        const s = ins[2] as Extract<RtValue, { kind: 'sequence' }>;
        return [ins[1]!, { kind: 'sequence', elemDtype: D.FLOAT, items: [...s.items, f32([1], [s.items.length])] }];
      },
    });
    const out = Loop.kernel([i64([], [3]), bool(true), { kind: 'sequence', elemDtype: D.FLOAT, items: [] }], ctx)[0];
    expect(out?.kind).toBe('sequence');
    expect((out as Extract<RtValue, { kind: 'sequence' }>).items.map(num)).toEqual([[0], [1], [2]]);
  });
  it('wraps carried values bound to inputs declared optional', () => {
    const g: Graph = {
      ...fakeGraph('b'),
      inputs: ['i', 'c', 'v'] as unknown as Graph['inputs'],
      values: { v: { id: 'v', type: { kind: 'optional', elem: { kind: 'tensor', dtype: D.FLOAT } } } } as unknown as Graph['values'],
    };
    const seen: string[] = [];
    const ctx = ctxOf('Loop', { body: g }, {
      inputs: 3, outputs: 1,
      runGraph: (_g, ins) => {
        seen.push(ins[2]!.kind);
        const v = ins[2] as Extract<RtValue, { kind: 'optional' }>;
        return [ins[1]!, v.value ?? f32([], [0])];
      },
    });
    Loop.kernel([i64([], [3]), bool(true), { kind: 'optional', value: null }], ctx);
    expect(seen).toEqual(['optional', 'optional', 'optional']);
  });
  it('rejects a body with the wrong number of outputs', () => {
    const ctx = ctxOf('Loop', { body: fakeGraph('b') }, { inputs: 3, outputs: 1, runGraph: () => [bool(true)] });
    expect(() => Loop.kernel([i64([], [2]), null, f32([], [0])], ctx)).toThrow(/outputs/);
  });
});

describe('Scan (opset 9+)', () => {
  const sumBody = (_g: Graph, ins: readonly (RtValue | null)[]): RtValue[] => {
    const s = add(ins[0] as TensorValue, ins[1] as TensorValue);
    return [s, s];
  };
  it('sums rows (scan9_sum)', () => {
    const ctx = ctxOf('Scan', { body: fakeGraph('b'), num_scan_inputs: 1n }, { opset: 9, inputs: 2, outputs: 2, runGraph: sumBody });
    const [y, z] = Scan.kernel([f32([2], [0, 0]), f32([3, 2], [1, 2, 3, 4, 5, 6])], ctx);
    expect(num(y)).toEqual([9, 12]);
    expect(plain(z)).toEqual({ dtype: D.FLOAT, dims: [3, 2], data: [1, 2, 4, 6, 9, 12] });
  });
  it('keeps several state variables (scan9_multi_state)', () => {
    const ctx = ctxOf('Scan', { body: fakeGraph('b'), num_scan_inputs: 1n }, {
      opset: 9, inputs: 3, outputs: 3,
      runGraph: (_g, ins) => {
        const s = add(ins[0] as TensorValue, ins[2] as TensorValue);
        return [s, mul(ins[1] as TensorValue, ins[2] as TensorValue), s];
      },
    });
    const [s, p, z] = Scan.kernel([f32([2], [0, 0]), f32([2], [1, 1]), f32([3, 2], [1, 2, 3, 4, 5, 6])], ctx);
    expect(num(s)).toEqual([9, 12]);
    expect(num(p)).toEqual([15, 48]);
    expect(plain(z).dims).toEqual([3, 2]);
  });
  it('scans along an axis, in reverse, and writes outputs along an axis, prepending', () => {
    const ctx = ctxOf('Scan', {
      body: fakeGraph('b'), num_scan_inputs: 1n, scan_input_axes: [1n], scan_input_directions: [1n],
      scan_output_axes: [-1n], scan_output_directions: [1n],
    }, { opset: 11, inputs: 2, outputs: 2, runGraph: sumBody });
    // x is [2,3]: columns (scanned right to left) are [3,6], [2,5], [1,4].
    const [y, z] = Scan.kernel([f32([2], [0, 0]), f32([2, 3], [1, 2, 3, 4, 5, 6])], ctx);
    expect(num(y)).toEqual([6, 15]);
    // Partial sums per step: [3,6], [5,11], [6,15]; prepended, then stacked on the last axis.
    expect(plain(z)).toEqual({ dtype: D.FLOAT, dims: [2, 3], data: [6, 5, 3, 15, 11, 6] });
  });
  it('rejects scan inputs of different lengths', () => {
    const ctx = ctxOf('Scan', { body: fakeGraph('b'), num_scan_inputs: 2n }, { opset: 9, inputs: 3, outputs: 2, runGraph: sumBody });
    expect(() => Scan.kernel([f32([2], [0, 0]), f32([3, 2], [1, 2, 3, 4, 5, 6]), f32([2, 2], [1, 2, 3, 4])], ctx)).toThrow(/lengths/);
  });
});

describe('Scan-8', () => {
  const sumBody = (_g: Graph, ins: readonly (RtValue | null)[]): RtValue[] => {
    const s = add(ins[0] as TensorValue, ins[1] as TensorValue);
    return [s, s];
  };
  it('runs per batch (scan_sum)', () => {
    const ctx = ctxOf('Scan', { body: fakeGraph('b'), num_scan_inputs: 1n }, { opset: 8, inputs: 3, outputs: 2, runGraph: sumBody });
    const [y, z] = Scan.kernel([null, f32([1, 2], [0, 0]), f32([1, 3, 2], [1, 2, 3, 4, 5, 6])], ctx);
    expect(plain(y)).toEqual({ dtype: D.FLOAT, dims: [1, 2], data: [9, 12] });
    expect(plain(z)).toEqual({ dtype: D.FLOAT, dims: [1, 3, 2], data: [1, 2, 4, 6, 9, 12] });
  });
  it('honours sequence_lens (zero padding) and directions', () => {
    const ctx = ctxOf('Scan', { body: fakeGraph('b'), num_scan_inputs: 1n, directions: [1n] }, { opset: 8, inputs: 3, outputs: 2, runGraph: sumBody });
    const x = f32([2, 3, 1], [1, 2, 3, 10, 20, 30]);
    const [y, z] = Scan.kernel([i64([2], [2, 3]), f32([2, 1], [0, 0]), x], ctx);
    expect(num(y)).toEqual([3, 60]);
    // Batch 0 scans [2, 1] (reverse of its first two), then pads; batch 1 scans 30, 20, 10.
    expect(plain(z)).toEqual({ dtype: D.FLOAT, dims: [2, 3, 1], data: [2, 3, 0, 30, 50, 60] });
  });
});

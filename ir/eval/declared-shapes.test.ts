/**
 * A computed value whose rank or static dims contradict its declared type is an error (a model,
 * or a pass that wrote its value_info, saying [3, 2] where [2, 3] is computed), unless the caller
 * lets stale value_info through (`checkDeclaredShapes: false`, as `lathe run` and `lathe compare`
 * do). checkPass runs with the check on, so a pass that writes a wrong shape is caught.
 */
import { describe, expect, test } from 'vitest';
import { DataType as D } from '../dtype.js';
import type { TensorValue } from '../ops/types.js';
import { parseModel } from '../text/parse.js';
import { checkPass, CheckPassError } from '../../src/testing.js';
import type { Model } from '../types.js';
import { evaluate } from './run.js';

const x23: TensorValue = { kind: 'tensor', dtype: D.FLOAT, dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };

/** y = Neg(t), t = Transpose(x): t is [3, 2]; `declared` is what value_info says t is. */
const model = (declared: string) =>
  parseModel(`<ir_version: 8, opset_import: ["" : 17]> g (float[2,3] x) => (float[3,2] y) <${declared} t> { t = Transpose(x)\n y = Neg(t) }`);

describe('declared shapes of computed values', () => {
  test('the shape inference gives passes', () => {
    expect(evaluate(model('float[3,2]'), { x: x23 }).get('y')).toMatchObject({ dims: [3, 2] });
  });

  test('symbolic and unknown dims pass', () => {
    expect(() => evaluate(model('float[N,2]'), { x: x23 })).not.toThrow();
    expect(() => evaluate(model('float[?,?]'), { x: x23 })).not.toThrow();
  });

  test('a static dim that differs is an error naming the value', () => {
    expect(() => evaluate(model('float[2,3]'), { x: x23 })).toThrow(/output 't' has shape \[3, 2\] but is declared \[2, 3\]/);
    expect(() => evaluate(model('float[N,3]'), { x: x23 })).toThrow(/declared \[N, 3\]/);
  });

  test('a rank that differs is an error', () => {
    expect(() => evaluate(model('float[6]'), { x: x23 })).toThrow(/has shape \[3, 2\] but is declared \[6\]/);
    expect(() => evaluate(model('float[3,2,1]'), { x: x23 })).toThrow(/declared \[3, 2, 1\]/);
    expect(() => evaluate(model('float'), { x: x23 })).toThrow(/declared \[\]/); // `float t` is a scalar
  });

  test('checkDeclaredShapes: false lets it through', () => {
    expect(evaluate(model('float[2,3]'), { x: x23 }, { checkDeclaredShapes: false }).get('y')).toMatchObject({ dims: [3, 2] });
  });

  test('checkPass catches a pass that writes a wrong static dim into value_info', () => {
    // Declares every computed 2-D intermediate transposed: dtype right, rank right, dims swapped
    // (graph outputs left alone: checkPass compares the signature already).
    const swapDims = (m: Model): Model => {
      let changed = false;
      const outputs = new Set(m.graph.outputs);
      const values = Object.fromEntries(
        Object.entries(m.graph.values).map(([id, v]) => {
          const t = v.type;
          if (!v.def || outputs.has(id as never) || t?.kind !== 'tensor' || !t.shape || t.shape.length !== 2 || typeof t.shape[0] !== 'number' || t.shape[0] === t.shape[1]) return [id, v];
          changed = true;
          return [id, { ...v, type: { ...t, shape: [t.shape[1], t.shape[0]] } }];
        }),
      );
      return changed ? { ...m, graph: { ...m.graph, values } } : m;
    };
    expect(() => checkPass(swapDims, { seed: 1, runs: 50 })).toThrow(CheckPassError);
  });
});

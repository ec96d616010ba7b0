/** Evaluator and feed errors name dtypes (`float16`), never their codes (`dtype 10`). */
import { describe, expect, test } from 'vitest';
import { DataType as D } from '../dtype.js';
import type { RtValue } from '../ops/types.js';
import { parseModel } from '../text/parse.js';
import { evaluate } from './run.js';

const header = '<ir_version: 10, opset_import: ["" : 21]>\n';
const t = (dtype: number, data: Float32Array | BigInt64Array, dims = [data.length]): RtValue => ({ kind: 'tensor', dtype, dims, data });

function message(text: string, inputs: Record<string, RtValue>): string {
  try {
    evaluate(parseModel(header + text), inputs);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('dtype names in evaluator messages', () => {
  test.each([
    [
      'g (float16[2] x) => (float16[2] y) {\n  y = Identity (x)\n}\n',
      { x: t(D.FLOAT, Float32Array.of(1, 2)) },
      /dtype float, declared float16/,
    ],
    [
      'g (seq(float) s, int64[1] v) => (seq(float) o) {\n  o = SequenceInsert (s, v)\n}\n',
      { s: { kind: 'sequence', elemDtype: D.FLOAT, items: [] }, v: t(D.INT64, BigInt64Array.of(1n)) },
      /tensor dtype int64 differs from the sequence's float/,
    ],
    [
      'g (float[2,2] x) => (string[2,2] y) {\n  y = EyeLike <dtype = 8> (x)\n}\n',
      { x: t(D.FLOAT, new Float32Array(4), [2, 2]) },
      /unsupported dtype string/,
    ],
  ] as const)('%#', (text, inputs, want) => {
    const m = message(text, inputs as Record<string, RtValue>);
    expect(m).toMatch(want);
    expect(m).not.toMatch(/dtype \d|dtype code/);
  });
});

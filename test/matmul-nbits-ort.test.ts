/**
 * lathe's evaluator runs com.microsoft MatMulNBits (what `quantize --mode int4-weight --format
 * msft` writes) as onnxruntime-node does: packed codes low bits first, packed uint8 or float zero
 * points (default 2^(bits-1)), a last block padded past K, a bias, a 3-D A, 4 and 8 bits.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../ir/eval/index.js';
import { parseModel } from '../ir/text/parse.js';
import { saveModelToBytes } from '../src/io.js';

interface Case {
  readonly name: string;
  readonly K: number;
  readonly N: number;
  readonly bits: number;
  readonly block: number;
  readonly zp: 'none' | 'packed' | 'float';
  readonly bias: boolean;
  readonly aDims: readonly number[];
}

const CASES: readonly Case[] = [
  { name: '4 bits, symmetric', K: 64, N: 5, bits: 4, block: 32, zp: 'none', bias: false, aDims: [3, 64] },
  { name: '4 bits, packed zero points, K padded, bias, 3-D A', K: 40, N: 3, bits: 4, block: 16, zp: 'packed', bias: true, aDims: [2, 3, 40] },
  { name: '4 bits, float zero points', K: 32, N: 4, bits: 4, block: 16, zp: 'float', bias: false, aDims: [2, 32] },
  { name: '8 bits, packed zero points', K: 48, N: 3, bits: 8, block: 16, zp: 'packed', bias: true, aDims: [2, 48] },
];

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function modelText(c: Case, next: () => number): string {
  const blocks = Math.ceil(c.K / c.block);
  const blob = (c.block * c.bits) / 8;
  const bytes = Array.from({ length: c.N * blocks * blob }, () => Math.floor(next() * 256));
  const scales = Array.from({ length: c.N * blocks }, () => (0.01 + next() * 0.1).toFixed(4));
  const zpRow = Math.ceil((blocks * c.bits) / 8);
  const inits = [`uint8[${c.N},${blocks},${blob}] b = {${bytes.join(', ')}}`, `float[${c.N * blocks}] s = {${scales.join(', ')}}`];
  // inputs: A, B, scales, zero_points, g_idx (never), bias; trailing omitted ones dropped
  const ins = ['a', 'b', 's', '', '', ''];
  if (c.zp === 'packed') {
    inits.push(`uint8[${c.N * zpRow}] z = {${Array.from({ length: c.N * zpRow }, () => Math.floor(next() * 256)).join(', ')}}`);
    ins[3] = 'z';
  } else if (c.zp === 'float') {
    inits.push(`float[${c.N * blocks}] z = {${Array.from({ length: c.N * blocks }, () => (next() * 15).toFixed(2)).join(', ')}}`);
    ins[3] = 'z';
  }
  if (c.bias) {
    inits.push(`float[${c.N}] bias = {${Array.from({ length: c.N }, () => (next() - 0.5).toFixed(3)).join(', ')}}`);
    ins[5] = 'bias';
  }
  while (ins[ins.length - 1] === '') ins.pop();
  const out = [...c.aDims.slice(0, -1), c.N];
  return `<ir_version: 8, opset_import: ["" : 17, "com.microsoft" : 1]>
g (float[${c.aDims.join(',')}] a) => (float[${out.join(',')}] y) <${inits.join(', ')}> {
  y = com.microsoft.MatMulNBits <K = ${c.K}, N = ${c.N}, bits = ${c.bits}, block_size = ${c.block}> (${ins.join(', ')})
}`;
}

describe('MatMulNBits in the evaluator and in onnxruntime', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_label, c) => {
    const next = seeded(c.K * 31 + c.N);
    const model = parseModel(modelText(c, next));
    const n = c.aDims.reduce((p, d) => p * d, 1);
    const a = Float32Array.from({ length: n }, () => next() * 2 - 1);
    const ours = evaluate(model, new Map([['a', { kind: 'tensor', dtype: 1, dims: [...c.aDims], data: a }]])).get('y')!;
    const s = await ort.InferenceSession.create(saveModelToBytes(model), { logSeverityLevel: 3 });
    try {
      const theirs = (await s.run({ a: new ort.Tensor('float32', a, [...c.aDims]) })).y;
      expect(ours.kind === 'tensor' && ours.dims).toEqual(theirs.dims);
      const x = (ours as { data: Float32Array }).data;
      const y = theirs.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1e-3 + Math.abs(y[i])));
      expect(worst).toBeLessThan(1e-3);
    } finally {
      await s.release();
    }
  });
});

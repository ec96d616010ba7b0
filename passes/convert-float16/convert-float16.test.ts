/**
 * convert-float16: the narrowing (bit-exact against the shared float-format code, clamping, tiny
 * values, one step round trip), the rewrite's invariants (Casts only at boundaries, never a
 * half→float→half pair, float32 signature kept), and the numbers: generated models within a
 * stated bound, onnxruntime on a converted model, bfloat16 in lathe's evaluator (onnxruntime's
 * CPU provider has few bfloat16 kernels).
 */
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from '../../ir/blob.js';
import { DataType as D } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/index.js';
import { encodeNarrow, decodeNarrow } from '../../ir/ops/float-formats.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Attr, Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { saveModelToBytes } from '../../src/io.js';
import { createPassContext } from '../../src/pass.js';
import { runSchedule } from '../../src/schedule.js';
import { checkPass } from '../../src/testing.js';
import { convertFloat16CheckOptions } from './check-options.js';
import { convertFloat16 } from './convert-float16.js';
import { f32BitsToBf16, f32BitsToHalf, halfBits, narrowTensor } from './half-tensor.js';
import { generatedInputs } from './ranges.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]);

describe('narrowing float32 to half', () => {
  it('rounds like the shared float-format code, for every exponent and the rounding ties', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expect(f32BitsToHalf(bitsOf(x))).toBe(encodeNarrow(D.FLOAT16, Math.fround(x)));
        expect(f32BitsToBf16(bitsOf(x))).toBe(encodeNarrow(D.BFLOAT16, Math.fround(x)));
      }),
      { numRuns: 3000, seed: 3 },
    );
    for (const x of [0.5 + 2 ** -12, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -26, 65520, 65519, -0]) {
      expect(f32BitsToHalf(bitsOf(x)), String(x)).toBe(encodeNarrow(D.FLOAT16, Math.fround(x)));
    }
    // bfloat16 ties (exactly half a bfloat16 step, 2^-8 at 1) go to the even mantissa, in both directions, as in float16
    const bf = (x: number) => decodeNarrow(D.BFLOAT16, f32BitsToBf16(bitsOf(x)));
    expect(bf(1 + 2 ** -8)).toBe(1);
    expect(bf(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(bf(-(1 + 2 ** -8))).toBe(-1);
    expect(bf(-(1 + 3 * 2 ** -8))).toBe(-(1 + 2 ** -6));
    expect(bf(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7);
  });

  it('clamps out-of-range values to the largest finite one and keeps tiny ones nonzero', () => {
    expect(decodeNarrow(D.FLOAT16, halfBits(D.FLOAT16, 1e6))).toBe(65504);
    expect(decodeNarrow(D.FLOAT16, halfBits(D.FLOAT16, -1e6))).toBe(-65504);
    expect(decodeNarrow(D.FLOAT16, halfBits(D.FLOAT16, 1e-12))).toBe(2 ** -24);
    expect(decodeNarrow(D.FLOAT16, halfBits(D.FLOAT16, -1e-12))).toBe(-(2 ** -24));
    expect(halfBits(D.FLOAT16, 0)).toBe(0);
    // infinities were meant (an attention mask's -inf): both signs stay infinite, in both types
    expect(halfBits(D.FLOAT16, Infinity)).toBe(0x7c00);
    expect(halfBits(D.FLOAT16, -Infinity)).toBe(0xfc00);
    expect(halfBits(D.BFLOAT16, Infinity)).toBe(0x7f80);
    expect(halfBits(D.BFLOAT16, -Infinity)).toBe(0xff80);
    expect(decodeNarrow(D.BFLOAT16, halfBits(D.BFLOAT16, 3.4e38))).toBeLessThan(Infinity);
  });

  it('comes back within one step (the spacing of half values there) of every in-range value', () => {
    for (const [dtype, max, mant] of [[D.FLOAT16, 65504, 10], [D.BFLOAT16, 3.3e38, 7]] as const) {
      fc.assert(
        fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-max), max: Math.fround(max) }), (x) => {
          const y = decodeNarrow(dtype, halfBits(dtype, x));
          const a = Math.abs(x);
          const step = Math.max(2 ** (Math.floor(Math.log2(a || 1)) - mant), dtype === D.FLOAT16 ? 2 ** -24 : 2 ** -133);
          expect(Math.abs(y - x)).toBeLessThanOrEqual(step);
        }),
        { numRuns: 2000, seed: 5 },
      );
    }
  });

  it('a float32 NaN, signaling or with the sign bit, stays a quiet NaN in bfloat16 (rounding its bits would carry into an infinity or -0)', () => {
    // 0x7f800001: a signaling NaN whose payload sits in the 16 bits rounding drops
    expect(f32BitsToBf16(0x7f800001)).toBe(0x7fc0);
    expect(f32BitsToBf16(0xffffffff)).toBe(0xffff);
    expect(f32BitsToBf16(0x7fffffff)).toBe(0x7fff);
    for (const u of [0x7f800001, 0xffffffff, 0x7fffffff, 0x7fc00000]) expect(decodeNarrow(D.BFLOAT16, f32BitsToBf16(u)), u.toString(16)).toBeNaN();
    expect(decodeNarrow(D.BFLOAT16, halfBits(D.BFLOAT16, NaN))).toBeNaN();
  });

  it('declines a tensor that is not float32 or has no payload (stripped): undefined, never bytes reread as float32', () => {
    const half = { dtype: D.FLOAT16, dims: [2], data: { kind: 'raw', bytes: new Uint8Array([0, 0x3c, 0, 0x40]) } } as const;
    expect(narrowTensor(half, D.FLOAT16, 'h')).toBeUndefined();
    expect(narrowTensor({ dtype: D.FLOAT, dims: [2], data: { kind: 'none' } }, D.FLOAT16, 'n')).toBeUndefined();
  });

  it('a lazily narrowed tensor reads up to its end and refuses a read past it', () => {
    // the tensor sits 8 bytes into its file (external data): a read before its start must not reach the bytes before it
    const file = new Uint8Array(8 + 16);
    file.set(new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), 8);
    const lazy = narrowTensor({ dtype: D.FLOAT, dims: [4], data: { kind: 'blob', blob: new Blob(memorySource(file), 8, 16) } }, D.FLOAT16, 'l')!;
    const src = (lazy.data as { blob: Blob }).blob.source;
    expect(src.size).toBe(8);
    expect(Array.from(src.read(6, 2))).toEqual([0x00, 0x44]); // 4.0 in float16 is 0x4400
    expect(() => src.read(7, 2)).toThrow(/passes the end/);
    expect(() => src.read(-2, 2)).toThrow(/passes the end/);
  });

  it('narrows a tensor and counts the clamped elements', () => {
    const stats = { clamped: 0, raisedTiny: 0 };
    const t = narrowTensor({ dtype: D.FLOAT, dims: [3], data: { kind: 'raw', bytes: new Uint8Array(new Float32Array([1, 1e5, 1e-30]).buffer) } }, D.FLOAT16, 't', stats);
    expect(t?.dtype).toBe(D.FLOAT16);
    expect(stats).toEqual({ clamped: 1, raisedTiny: 1 });
  });

  it('counts as raised exactly the tiny values that would have rounded to zero (half the smallest subnormal included: its tie goes to even, 0)', () => {
    for (const [dtype, tiny] of [[D.FLOAT16, 2 ** -24], [D.BFLOAT16, 2 ** -133]] as const) {
      const xs = [tiny / 4, tiny / 2, -tiny / 2, tiny * 0.75, tiny];
      const stats = { clamped: 0, raisedTiny: 0 };
      const t = narrowTensor({ dtype: D.FLOAT, dims: [xs.length], data: { kind: 'raw', bytes: new Uint8Array(new Float32Array(xs).buffer) } }, dtype, 't', stats);
      expect(t?.dtype).toBe(dtype);
      // every one narrows to ±tiny; the first three only because they were raised
      expect(xs.map((x) => decodeNarrow(dtype, halfBits(dtype, x)))).toEqual([tiny, tiny, -tiny, tiny, tiny]);
      expect(stats).toEqual({ clamped: 0, raisedTiny: 3 });
    }
  });

  it('narrows a tensor still in its file lazily, to the same bytes, read in any ranges', () => {
    const values = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 10 ** ((i % 13) - 6));
    const bytes = new Uint8Array(values.buffer);
    const eager = narrowTensor({ dtype: D.FLOAT, dims: [1001], data: { kind: 'raw', bytes } }, D.FLOAT16, 'e')!;
    const lazy = narrowTensor({ dtype: D.FLOAT, dims: [1001], data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, bytes.length) } }, D.FLOAT16, 'l')!;
    expect(lazy.data.kind).toBe('blob');
    const want = (eager.data as { bytes: Uint8Array }).bytes;
    const blob = (lazy.data as { blob: Blob }).blob;
    expect(blob.bytes()).toEqual(want);
    const parts: number[] = [];
    blob.forEachChunk((c) => parts.push(...c), 333);
    expect(Uint8Array.from(parts)).toEqual(want);
    expect(blob.source.read(7, 5)).toEqual(want.subarray(7, 12));
  });

  it('narrows a tensor stored at an offset inside its file (external data shares one file): the bytes at that offset, not the file start', () => {
    const values = Float32Array.from({ length: 300 }, (_, i) => i - 150.25);
    const file = new Uint8Array(64 + values.byteLength);
    file.fill(0x7f, 0, 64); // other tensors' bytes before this one
    file.set(new Uint8Array(values.buffer), 64);
    const eager = narrowTensor({ dtype: D.FLOAT, dims: [300], data: { kind: 'raw', bytes: new Uint8Array(values.buffer) } }, D.FLOAT16, 'e')!;
    const lazy = narrowTensor({ dtype: D.FLOAT, dims: [300], data: { kind: 'blob', blob: new Blob(memorySource(file), 64, values.byteLength) } }, D.FLOAT16, 'l')!;
    const want = (eager.data as { bytes: Uint8Array }).bytes;
    const blob = (lazy.data as { blob: Blob }).blob;
    expect(blob.bytes()).toEqual(want);
    expect(blob.source.read(10, 6)).toEqual(want.subarray(10, 16));
  });
});

const mlp = `<ir_version: 8, opset_import: ["" : 17]>
g (float[2,8] x) => (float[2,4] y) <
  float[8,8] w1 = {${Array.from({ length: 64 }, (_, i) => ((i * 37) % 17) / 17 - 0.5).join(', ')}},
  float[8] b1 = {0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.0, 0.05},
  float[8,4] w2 = {${Array.from({ length: 32 }, (_, i) => ((i * 13) % 11) / 11 - 0.5).join(', ')}}
> {
  h = MatMul (x, w1)
  hb = Add (h, b1)
  a = Tanh (hb)
  s = Softmax <axis = 1> (a)
  m = Mul (s, a)
  z = MatMul (m, w2)
  y = Sigmoid (z)
}`;

function feeds(model: Model): Record<string, TensorValue> {
  const out: Record<string, TensorValue> = {};
  for (const id of model.graph.inputs) {
    const v = model.graph.values[id]!;
    const t = v.type as unknown as { dtype: number; shape: number[] };
    const n = t.shape.reduce((a, b) => a * b, 1);
    out[v.name!] = { kind: 'tensor', dtype: D.FLOAT, dims: t.shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7)) };
  }
  return out;
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('convert-float16 rewrite', () => {
  const model = parseModel(mlp);
  const out = runSchedule(convertFloat16(), model, { verifyEach: true }).model;

  it('keeps the float32 signature and puts Casts only at the float32/float16 boundaries', () => {
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
    const g = out.graph;
    expect(g.values[g.inputs[0]]!.type).toMatchObject({ dtype: D.FLOAT });
    expect(g.values[g.outputs[0]]!.type).toMatchObject({ dtype: D.FLOAT });
    const nodes = g.order.map((id) => g.nodes[id]!);
    const castOf = new Map(nodes.filter((n) => n.op === 'Cast').map((n) => [n.outputs[0], n]));
    for (const c of castOf.values()) {
      // Never a Cast of a Cast: half→float32→half pairs are merged by construction.
      expect(castOf.has(c.inputs[0]!), 'a Cast reads a Cast').toBe(false);
    }
    expect(nodes.filter((n) => n.op === 'Softmax')).toHaveLength(1);
    expect(nodes.some((n) => n.op === 'MatMul' && g.values[n.outputs[0]!]?.type?.kind === 'tensor' && (g.values[n.outputs[0]!]!.type as { dtype: number }).dtype === D.FLOAT16)).toBe(true);
  });

  it('computes what the float32 model computes, within float16 precision, in lathe and in onnxruntime', async () => {
    const f = feeds(model);
    const want = evaluate(model, f).get('y') as TensorValue;
    const got = evaluate(out, f).get('y') as TensorValue;
    expect(relL2(want.data as Float32Array, got.data as Float32Array)).toBeLessThan(2e-3);
    const opts: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 };
    const s = await ort.InferenceSession.create(saveModelToBytes(out), opts);
    const x = f['x']!;
    const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims as number[]) });
    await s.release();
    expect(r['y']!.type).toBe('float32');
    expect(relL2(want.data as Float32Array, r['y']!.data as Float32Array)).toBeLessThan(2e-3);
  });

  it('bfloat16 with keepIo=false: bfloat16 inputs and outputs, checked in lathe (onnxruntime CPU lacks most bfloat16 kernels)', () => {
    const bf = runSchedule(convertFloat16({ to: 'bf16', keepIo: false }), model, { verifyEach: true }).model;
    const g = bf.graph;
    expect(g.values[g.inputs[0]]!.type).toMatchObject({ dtype: D.BFLOAT16 });
    expect(g.values[g.outputs[0]]!.type).toMatchObject({ dtype: D.BFLOAT16 });
    const f = feeds(model);
    const want = evaluate(model, f).get('y') as TensorValue;
    const x = f['x']!;
    const got = evaluate(bf, { x: { ...x, dtype: D.BFLOAT16, data: Float32Array.from(x.data as Float32Array, (v) => decodeNarrow(D.BFLOAT16, encodeNarrow(D.BFLOAT16, v))) } }).get('y') as TensorValue;
    expect(got.dtype).toBe(D.BFLOAT16);
    // bfloat16 keeps 8 significant bits: about 2^-9 relative per rounding.
    expect(relL2(want.data as Float32Array, got.data as Float32Array)).toBeLessThan(2e-2);
  });

  it('declines what it cannot do and says why', () => {
    const ctx = createPassContext();
    const old = parseModel(mlp.replace('"" : 17', '"" : 12'));
    expect(convertFloat16({ to: 'bf16' }).run(old, ctx)).toBe(old);
    expect(ctx.warnings.join()).toMatch(/opset 13/);
    expect(() => convertFloat16({ to: 'fp8' as 'fp16' }).run(model, createPassContext())).toThrow(/fp16 or bf16/);
  });
});

describe('convert-float16 on generated models', () => {
  it('verifies, keeps the float32 signature and stays within float16 precision (rtol 2e-2, atol 2e-2)', () => {
    // The bound and the ops it leaves out: check-options.ts.
    checkPass(convertFloat16, { seed: 21, runs: 80, ...convertFloat16CheckOptions() });
  });
});

/** The name of the first output of the (only) `op` node of `m`: the original name when the node stayed float32, none when it runs in half (a Cast then redefines the original). */
function outputNameOf(m: Model, op: string): string | undefined {
  const g = m.graph;
  const nodes = g.order.map((id) => g.nodes[id]!).filter((n) => n.op === op);
  expect(nodes, op).toHaveLength(1);
  return g.values[nodes[0]!.outputs[0]!]?.name;
}

describe('convert-float16: what stays float32', () => {
  it('the numerically delicate and the blocked ops, whatever their schemas allow (op lists only: measure=false)', () => {
    // Each op named here once; the list is spelled out, not imported, so dropping an op from plan.ts fails here.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4,8] x) => (float[4,8] ra, float[4,1] rss, float[4,1] rm, float[4,1] rs, float[4,1] rl2, float[4,1] rlse, float[4,8] pw, float[4,8] ex,
    float[4,8] sm, float[4,8] lsm, float[4,8] ln, float[4,8] sq, float[4,8] rc, float[4,8] ef, float[4,2] tv, int64[4,2] ti, float[4,8] cs)
  <float two = {2.0}, int64[1] ax = {1}, int64[1] k = {2}, int64 cax = {1}, float[8] gamma = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}>
{
  ra = Relu (x)
  rss = ReduceSumSquare <axes = [1]> (ra)
  rm = ReduceMean <axes = [1]> (ra)
  rs = ReduceSum (ra, ax)
  rl2 = ReduceL2 <axes = [1]> (ra)
  rlse = ReduceLogSumExp <axes = [1]> (ra)
  pw = Pow (ra, two)
  ex = Exp (ra)
  sm = Softmax <axis = 1> (ra)
  lsm = LogSoftmax <axis = 1> (ra)
  ln = LayerNormalization <axis = -1> (ra, gamma)
  sq = Sqrt (ra)
  rc = Reciprocal (ra)
  ef = Erf (ra)
  tv, ti = TopK <axis = 1> (ra, k)
  cs = CumSum (ra, cax)
}`);
    const out = runSchedule(convertFloat16({ measure: false }), m, { verifyEach: true }).model;
    const kept: Record<string, string> = {
      ReduceSumSquare: 'rss', ReduceMean: 'rm', ReduceSum: 'rs', ReduceL2: 'rl2', ReduceLogSumExp: 'rlse', Pow: 'pw', Exp: 'ex',
      Softmax: 'sm', LogSoftmax: 'lsm', LayerNormalization: 'ln', Sqrt: 'sq', Reciprocal: 'rc', Erf: 'ef', TopK: 'tv', CumSum: 'cs',
    };
    for (const [op, name] of Object.entries(kept)) expect(outputNameOf(out, op), `${op} stays float32`).toBe(name);
    // not vacuous: the Relu they all read runs in half
    expect(outputNameOf(out, 'Relu')).toBeUndefined();
  });

  it('nodes whose measured values leave float16\'s safe range (peak above 2^13, or root mean square below 2^-10)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4,8] x) => (float[4,8] big, float[4,8] tiny, float[4,8] ok)
  <float hi = {20000.0}, float lo = {0.00001}>
{
  a = Relu (x)
  b0 = Mul (a, hi)
  big = Neg (b0)
  t0 = Mul (a, lo)
  tiny = Neg (t0)
  ok = Neg (a)
}`);
    const halfNodes = (model: Model) => {
      const g = model.graph;
      const nodes = g.order.map((id) => g.nodes[id]!);
      const name = (v: ValueId | null | undefined) => (v ? g.values[v]?.name : undefined);
      const mulOf = (c: string) => nodes.find((n) => n.op === 'Mul' && n.inputs.some((v) => name(v) === c))!;
      const negOf = (v: ValueId) => nodes.find((n) => n.op === 'Neg' && n.inputs[0] === v)!;
      const inHalf = (n: (typeof nodes)[number]) => (g.values[n.outputs[0]!]?.type as { dtype?: number } | undefined)?.dtype === D.FLOAT16;
      const big = mulOf('hi');
      const tiny = mulOf('lo');
      const relu = nodes.find((n) => n.op === 'Relu')!;
      return { big: inHalf(big), bigNeg: inHalf(negOf(big.outputs[0]!)), tiny: inHalf(tiny), tinyNeg: inHalf(negOf(tiny.outputs[0]!)), relu: inHalf(relu) };
    };
    // peaks about 20000 (inputs are uniform in [-1, 1)): the Mul making them and the Neg reading them stay float32;
    // root mean square about 4e-6: likewise; the Relu is in range and runs in half
    expect(halfNodes(runSchedule(convertFloat16(), m, { verifyEach: true }).model)).toEqual({ big: false, bigNeg: false, tiny: false, tinyNeg: false, relu: true });
    // measure=false: only the op lists decide, and all of these run in half
    expect(halfNodes(runSchedule(convertFloat16({ measure: false }), m, { verifyEach: true }).model)).toEqual({ big: true, bigNeg: true, tiny: true, tinyNeg: true, relu: true });
  });

  it('a large weight with an element beyond 65504 keeps its float32 bytes for its float32 readers (a half copy for the half ones)', () => {
    const w = Array.from({ length: 1024 }, (_, i) => (i === 0 ? '1000000.0' : '0.0')).join(', ');
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1024] x) => (float[1024] y, float[1] s)
  <float[1024] w = {${w}}, int64[1] ax = {0}>
{
  y = Add (x, w)
  s = ReduceSum <keepdims = 1> (w, ax)
}`);
    const ctx = createPassContext();
    const out = convertFloat16({ measure: false }).run(m, ctx);
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
    expect(outputNameOf(out, 'Add')).toBeUndefined();
    const x: TensorValue = { kind: 'tensor', dtype: D.FLOAT, dims: [1024], data: new Float32Array(1024) };
    const s = evaluate(out, { x }).get('s') as TensorValue;
    expect(Array.from(s.data as Float32Array)).toEqual([1000000]);
    // the half reader sees the clamped value, and the pass says so
    const y = evaluate(out, { x }).get('y') as TensorValue;
    expect((y.data as Float32Array)[0]).toBe(65504);
    expect(ctx.warnings.join()).toMatch(/1 constant elements beyond the float16 range clamped/);
  });

  it('a constant of 1024 elements or more read only in float32 is a weight: stored in half, read through a Cast; a smaller one stays float32', () => {
    const model = (n: number) => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[${n}] x) => (float[${n}] y, float[1] s)
  <float[${n}] w = {${Array.from({ length: n }, (_, i) => ((i % 9) - 4) / 8).join(', ')}}, int64[1] ax = {0}>
{
  y = Relu (x)
  s = ReduceSum <keepdims = 1> (w, ax)
}`);
    const stored = (n: number) => {
      const out = runSchedule(convertFloat16({ measure: false }), model(n), { verifyEach: true }).model;
      const g = out.graph;
      const w = g.initializers.map((id) => g.values[id]!).find((v) => v.name === 'w')!;
      const reduce = g.order.map((id) => g.nodes[id]!).find((x) => x.op === 'ReduceSum')!;
      const src = g.values[reduce.inputs[0]!]!.def;
      return { dtype: w.tensor!.dtype, readThrough: src ? g.nodes[src.node]!.op : 'initializer' };
    };
    expect(stored(1024)).toEqual({ dtype: D.FLOAT16, readThrough: 'Cast' });
    expect(stored(1023)).toEqual({ dtype: D.FLOAT, readThrough: 'initializer' });
  });

  it('a constant of 1024 elements read by a node holding a subgraph (a Loop\'s initial state) keeps its float32 bytes', () => {
    const n = 1024;
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[${n}] x) => (float[${n}] y, float[${n}] s)
  <float[${n}] w = {${Array.from({ length: n }, (_, i) => ((i % 9) - 4) / 8).join(', ')}}, int64 trip = {2}, bool go = {1}>
{
  y = Relu (x)
  s = Loop (trip, go, w) <body = b (int64 i, bool c, float[${n}] acc) => (bool c2, float[${n}] acc2) {
    c2 = Identity (c)
    acc2 = Neg (acc)
  }>
}`);
    const out = runSchedule(convertFloat16({ measure: false }), m, { verifyEach: true }).model;
    const g = out.graph;
    const w = g.initializers.map((id) => g.values[id]!).find((v) => v.name === 'w')!;
    expect(w.tensor!.dtype).toBe(D.FLOAT);
    const loop = g.order.map((id) => g.nodes[id]!).find((x) => x.op === 'Loop')!;
    expect(loop.inputs[2]).toBe(w.id);
  });

  it('Resize runs in half with its scales kept float32 (the schema allows only float there)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1,2,4,4] x) => (float[1,2,8,8] r)
  <float[4] scales = {1.0, 1.0, 2.0, 2.0}>
{
  n = Neg (x)
  r = Resize <mode = "nearest"> (n, , scales)
}`);
    const out = runSchedule(convertFloat16(), m, { verifyEach: true }).model;
    const g = out.graph;
    const resize = g.order.map((id) => g.nodes[id]!).find((n) => n.op === 'Resize')!;
    expect(g.values[resize.outputs[0]!]?.name).toBeUndefined();
    expect(g.values[resize.outputs[0]!]?.type).toMatchObject({ dtype: D.FLOAT16 });
    expect(g.values[resize.inputs[2]!]).toMatchObject({ name: 'scales', tensor: { dtype: D.FLOAT } });
  });
});

describe('convert-float16: weights and measuring, the rarer paths', () => {
  const weight = (n: number, big: boolean) => Array.from({ length: n }, (_, i) => (big && i === 0 ? '1000000.0' : String(((i % 9) - 4) / 8))).join(', ');

  it('a large weight with an element beyond 65504 read only in float32 stays float32, with no unused half copy', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x) => (float[4] y, float[1] s)
  <float[1024] w = {${weight(1024, true)}}, int64[1] ax = {0}>
{
  y = Relu (x)
  s = ReduceSum <keepdims = 1> (w, ax)
}`);
    const out = runSchedule(convertFloat16({ measure: false }), m, { verifyEach: true }).model;
    const g = out.graph;
    expect(g.initializers.map((id) => g.values[id]!.name)).toEqual(['w', 'ax']);
    expect(g.values[g.initializers[0]!]!.tensor!.dtype).toBe(D.FLOAT);
    expect((evaluate(out, { x: { kind: 'tensor', dtype: D.FLOAT, dims: [4], data: new Float32Array(4) } }).get('s') as TensorValue).data[0]).toBeCloseTo(1000000 - 0.5, 0);
  });

  it('a weight stored in half and read by two float32 nodes goes through one shared Cast', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x) => (float[4] y, float[1] s, float[1024] t)
  <float[1024] w = {${weight(1024, false)}}, int64[1] ax = {0}>
{
  y = Relu (x)
  s = ReduceSum <keepdims = 1> (w, ax)
  t = Sqrt (w)
}`);
    const out = runSchedule(convertFloat16({ measure: false }), m, { verifyEach: true }).model;
    const g = out.graph;
    const nodes = g.order.map((id) => g.nodes[id]!);
    const wId = g.initializers.find((id) => g.values[id]!.name === 'w')!;
    const casts = nodes.filter((n) => n.op === 'Cast' && n.inputs[0] === wId);
    expect(casts).toHaveLength(1);
    const up = casts[0]!.outputs[0];
    expect(nodes.filter((n) => n.op === 'ReduceSum' || n.op === 'Sqrt').map((n) => n.inputs[0])).toEqual([up, up]);
  });

  it('a model with a string input (no values to generate) is converted by the op lists alone, with a warning that ranges were not measured', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x, string[2] t) => (float[4] y, string[2] u)
{
  y = Relu (x)
  u = Identity (t)
}`);
    const ctx = createPassContext();
    const out = convertFloat16().run(m, ctx);
    expect(ctx.warnings.join()).toMatch(/value ranges not measured \(an input has no static rank/);
    expect(out.graph.order.map((id) => out.graph.nodes[id]!.op)).toEqual(['Cast', 'Relu', 'Cast', 'Identity']);
  });

  // Relu then an op of a domain the evaluator does not know: no values can be generated for it.
  const unrunnable = () => parseModel(`<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[4] x) => (float[4] y)
{
  r = Relu (x)
  y = acme.Frob (r)
}`);

  it('a model the evaluator cannot run is converted by the op lists alone, and the warning says why', () => {
    const ctx = createPassContext();
    const out = convertFloat16().run(unrunnable(), ctx);
    expect(ctx.warnings.join()).toMatch(/value ranges not measured \(.*Frob/);
    expect(out.graph.order.map((id) => out.graph.nodes[id]!.op)).toEqual(['Cast', 'Relu', 'Cast', 'Frob']);
  });

  it('bfloat16 has float32\'s exponent range: its ranges are not measured (no run, no warning when the evaluator cannot run the model)', () => {
    const ctx = createPassContext();
    const out = convertFloat16({ to: 'bf16' }).run(unrunnable(), ctx);
    expect(ctx.warnings).toEqual([]);
    expect(out.graph.order.map((id) => out.graph.nodes[id]!.op)).toEqual(['Cast', 'Relu', 'Cast', 'Frob']);
  });

  it('above 1 GiB of weights ranges are not measured (warned), and a weight whose payload is not loaded stays as it is', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x) => (float[4] y, float[1] s)
  <float[4] w = {1.0, 2.0, 3.0, 4.0}, int64[1] ax = {0}>
{
  y = Relu (x)
  z = Add (x, w)
  s = ReduceSum <keepdims = 1> (z, ax)
}`);
    // w claims 2^28 + 4 float32 elements (just over 1 GiB) with no payload: neither read nor narrowed
    const wId = m.graph.initializers[0]!;
    const huge = { dtype: D.FLOAT, dims: [2 ** 28 + 4], data: { kind: 'none' } } as const;
    const big: Model = { ...m, graph: { ...m.graph, values: { ...m.graph.values, [wId]: { ...m.graph.values[wId]!, tensor: huge } } } };
    const ctx = createPassContext();
    const out = convertFloat16().run(big, ctx);
    // one warning, this one: the evaluator never ran (it would have failed on the missing payload, and said so)
    expect(ctx.warnings.filter((w) => /value ranges not measured/.test(w))).toEqual([expect.stringMatching(/^convert-float16: \d+ bytes of weights: value ranges not measured/)]);
    expect(out.graph.values[wId]!.tensor).toBe(huge);
    expect(out.graph.initializers).toHaveLength(2);
    // Relu still runs in half (op lists only)
    const relu = out.graph.order.map((id) => out.graph.nodes[id]!).find((n) => n.op === 'Relu')!;
    expect(out.graph.values[relu.outputs[0]!]!.type).toMatchObject({ dtype: D.FLOAT16 });
  });
});

describe('convert-float16: a ConstantOfShape whose value cannot be read', () => {
  it('stays as it was, float32, and its half reader reads it through a Cast (never a value attribute dropped or half-typed float32 bytes)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x) => (float[2,3] y)
{
  s = Shape (x)
  c = ConstantOfShape <value = float[1] {0.5}> (s)
  y = Add (x, c)
}`);
    // the value's payload was not loaded (a stripped model)
    const cos = Object.values(m.graph.nodes).find((n) => n.op === 'ConstantOfShape')!;
    const a0 = cos.attrs[0] as Extract<Attr, { kind: 'tensor' }>;
    const attrs: Attr[] = [{ ...a0, value: { ...a0.value, data: { kind: 'none' } } }];
    const stripped: Model = { ...m, graph: { ...m.graph, nodes: { ...m.graph.nodes, [cos.id]: { ...cos, attrs } } } };
    const out = convertFloat16({ measure: false }).run(stripped, createPassContext());
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
    const g = out.graph;
    expect(g.nodes[cos.id]!.attrs).toBe(attrs);
    const c = cos.outputs[0]!;
    expect(g.nodes[cos.id]!.outputs).toEqual([c]);
    expect(g.values[c]!.type?.kind === 'tensor' ? g.values[c]!.type.dtype : D.FLOAT).toBe(D.FLOAT);
    const add = g.order.map((id) => g.nodes[id]!).find((n) => n.op === 'Add')!;
    const cast = g.nodes[g.values[add.inputs[1]!]!.def!.node]!;
    expect(cast).toMatchObject({ op: 'Cast', inputs: [c] });
    expect(cast.attrs).toEqual([{ name: 'to', kind: 'int', value: BigInt(D.FLOAT16) }]);
  });
});

describe('generated inputs for measuring ranges', () => {
  it('integers are 0 or 1 (valid indices of any table), booleans false, floats in [-1, 1); an input with an initializer keeps it', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int32[64] i, int64[64] j, bool[8] b, float[64] f, float[2] w) => (float[64] y)
  <float[2] w = {5.0, 6.0}>
{
  y = Relu (f)
}`);
    const feeds = generatedInputs(m)!;
    expect([...feeds.keys()]).toEqual(['i', 'j', 'b', 'f']);
    const data = (k: string) => Array.from((feeds.get(k) as TensorValue).data as ArrayLike<number | bigint>, Number);
    expect(new Set(data('i'))).toEqual(new Set([0, 1]));
    expect(new Set(data('j'))).toEqual(new Set([0, 1]));
    expect(data('b').every((x) => x === 0)).toBe(true);
    expect(data('f').every((x) => x >= -1 && x < 1)).toBe(true);
  });

  it('none for an input of more than 2^24 elements (not allocated: the ranges go unmeasured instead)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4097,4096] x) => (float[4097,4096] y)
{
  y = Relu (x)
}`);
    expect(generatedInputs(m)).toBeUndefined();
    // exactly 2^24 is still generated (bool: allocated, nothing to fill, so the test stays fast)
    expect(generatedInputs(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool[4096,4096] x) => (bool[4096,4096] y)
{
  y = Not (x)
}`))?.size).toBe(1);
  });
});


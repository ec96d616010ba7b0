/**
 * A WebAssembly SIMD (f32x4) GEMM macro-kernel for the float32 path of the GEMM core.
 *
 * The module is assembled here from its instruction bytes (no binary blob, no toolchain): one
 * exported function `block(mc, nc, kc, ap, bp, cp, ldc)` that, for packed A panels (4 rows,
 * k-major) and packed B panels (8 columns, k-major) in its memory, adds A·B into the float32 C
 * slab at `cp` (row stride `ldc` floats) with 4×8 register tiles. Accumulation is float32, as
 * in ORT's MLAS kernels. Returns null where WebAssembly or SIMD is unavailable (the caller then
 * keeps the plain-JS kernel).
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// opcodes
const GET = 0x20, SET = 0x21, I32C = 0x41, ADD = 0x6a, MUL = 0x6c, SUB = 0x6b, GEU = 0x4f, EQZ = 0x45;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BRIF = 0x0d, END = 0x0b, VOID = 0x40;
const SIMD = 0xfd;
const V_LOAD = [SIMD, 0x00], V_STORE = [SIMD, 0x0b], V_SPLAT32 = [SIMD, 0x09];
const F4_ADD = [SIMD, ...uleb(228)], F4_MUL = [SIMD, ...uleb(230)];
const mem = (off: number): number[] => [0x02, ...uleb(off)]; // align 2^2: addresses are float-aligned

// locals: params 0..6, then i32 7..13, then v128 14..
const [MC, NC, KC, AP, BP, CP, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [JR, IR, K, PA, PB, C, LDC4] = [7, 8, 9, 10, 11, 12, 13];
const ACC = 14; // 8 accumulators: row i, half h → ACC + 2i + h
const B0 = 22, B1 = 23, A = 24;

function code(): number[] {
  const c: number[] = [];
  const e = (...xs: (number | number[])[]): void => { for (const x of xs) Array.isArray(x) ? c.push(...x) : c.push(x); };
  const get = (l: number): void => e(GET, ...uleb(l));
  const set = (l: number): void => e(SET, ...uleb(l));
  const i32 = (v: number): void => e(I32C, ...sleb(v));
  // ldc4 = ldc * 4
  get(LDC); i32(4); e(MUL); set(LDC4);
  i32(0); set(JR);
  e(BLOCK, VOID, LOOP, VOID);
  get(JR); get(NC); e(GEU, BRIF, 1);
  i32(0); set(IR);
  e(BLOCK, VOID, LOOP, VOID);
  get(IR); get(MC); e(GEU, BRIF, 1);
  // c = cp + (ir * ldc + jr) * 4
  get(IR); get(LDC); e(MUL); get(JR); e(ADD); i32(4); e(MUL); get(CP); e(ADD); set(C);
  // load the C tile into the accumulators
  for (let i = 0; i < 4; i++) {
    for (let h = 0; h < 2; h++) {
      get(C);
      for (let r = 0; r < i; r++) { get(LDC4); e(ADD); }
      e(V_LOAD, mem(16 * h));
      set(ACC + 2 * i + h);
    }
  }
  // pa = ap + ir * kc * 4; pb = bp + jr * kc * 4
  get(IR); get(KC); e(MUL); i32(4); e(MUL); get(AP); e(ADD); set(PA);
  get(JR); get(KC); e(MUL); i32(4); e(MUL); get(BP); e(ADD); set(PB);
  get(KC); set(K);
  e(BLOCK, VOID, LOOP, VOID);
  get(K); e(EQZ, BRIF, 1);
  get(PB); e(V_LOAD, mem(0)); set(B0);
  get(PB); e(V_LOAD, mem(16)); set(B1);
  for (let i = 0; i < 4; i++) {
    get(PA); e(V_SPLAT32, mem(4 * i)); set(A);
    for (let h = 0; h < 2; h++) {
      get(ACC + 2 * i + h); get(A); get(h === 0 ? B0 : B1); e(F4_MUL, F4_ADD); set(ACC + 2 * i + h);
    }
  }
  get(PA); i32(16); e(ADD); set(PA);
  get(PB); i32(32); e(ADD); set(PB);
  get(K); i32(1); e(SUB); set(K);
  e(BR, 0, END, END);
  // store the tile back
  for (let i = 0; i < 4; i++) {
    for (let h = 0; h < 2; h++) {
      get(C);
      for (let r = 0; r < i; r++) { get(LDC4); e(ADD); }
      get(ACC + 2 * i + h);
      e(V_STORE, mem(16 * h));
    }
  }
  get(IR); i32(4); e(ADD); set(IR);
  e(BR, 0, END, END);
  get(JR); i32(8); e(ADD); set(JR);
  e(BR, 0, END, END);
  e(END);
  const locals = vec([[...uleb(7), 0x7f], [...uleb(11), 0x7b]]);
  const body = [...locals, ...c];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(7).fill([0x7f])), 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...str('m'), 0x02, 0x00], [...str('block'), 0x00, 0x00]])),
    ...section(10, vec([code()])),
  ];
  return new Uint8Array(bytes);
}

export interface WasmGemm {
  readonly memory: WebAssembly.Memory;
  /** Adds packed A (mc×kc) · packed B (kc×nc) into the C slab at byte offset cp (mc, nc padded to 4 and 8). */
  block(mc: number, nc: number, kc: number, ap: number, bp: number, cp: number, ldc: number): void;
}

let cached: WasmGemm | null | undefined;

/** The compiled kernel, or null when this platform lacks WebAssembly SIMD. */
export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const mod = new WebAssembly.Module(moduleBytes());
    const inst = new WebAssembly.Instance(mod, {});
    const ex = inst.exports as unknown as WasmGemm & { m: WebAssembly.Memory };
    cached = { memory: ex.m, block: ex.block };
  } catch {
    cached = null;
  }
  return cached;
}

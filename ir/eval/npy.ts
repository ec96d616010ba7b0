/**
 * NumPy `.npy` files ⇄ runtime tensors, platform-neutral (bytes in, bytes out).
 *
 * Reads format versions 1.0, 2.0 and 3.0 (header length in 2 or 4 bytes; 3.0 allows a UTF-8
 * header), little-, big- or no-endian data, C order, and the dtypes that have an ONNX
 * counterpart: bool, int8..int64, uint8..uint64, float16/32/64, complex64/128, and unicode
 * strings (`<U`n, UTF-32). Fortran order is refused: nothing lathe reads stores it, and silently
 * transposing would give a wrong answer rather than an error. Writes version 1.0 (2.0 when the
 * header is too long), little-endian, C order.
 *
 * The header is a Python dict literal; it is read with a small strict parser, never evaluated.
 */
import { LatheError } from '../error.js';
import { DataType as D, dtypeName, elementCount } from '../dtype.js';
import { decodeRaw, encodeRaw } from '../ops/tensor-value.js';
import type { TensorValue } from '../ops/types.js';

/**
 * The longest header read. numpy writes a few hundred bytes, but a header too long for v1's
 * 2-byte length (a shape of ~22,000 dims: lathe's writer and numpy switch to v2's 4-byte length
 * then) must read back; a 4 GiB length from a damaged file must not become a 4 GiB string.
 */
const MAX_HEADER = 16 << 20;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy kind+size → ONNX dtype. */
const FROM_NUMPY: Readonly<Record<string, number>> = {
  b1: D.BOOL, i1: D.INT8, i2: D.INT16, i4: D.INT32, i8: D.INT64,
  u1: D.UINT8, u2: D.UINT16, u4: D.UINT32, u8: D.UINT64,
  f2: D.FLOAT16, f4: D.FLOAT, f8: D.DOUBLE, c8: D.COMPLEX64, c16: D.COMPLEX128,
};

const TO_NUMPY = new Map<number, string>(Object.entries(FROM_NUMPY).map(([k, v]) => [v, k]));

/** Whether a dtype can be written as `.npy` (numpy has no bfloat16, float8, int4 …). */
export function npyWritable(dtype: number): boolean {
  return dtype === D.STRING || TO_NUMPY.has(dtype);
}

/** The fields of an npy header. */
interface Header {
  readonly descr: string;
  readonly fortran: boolean;
  readonly shape: number[];
}

/** Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(text: string, what: string): Header {
  const fail = (why: string): never => {
    throw new LatheError(`${what}: bad .npy header (${why})`);
  };
  const body = /^\s*\{(.*)\}\s*$/s.exec(text);
  if (!body) return fail('not a dict');
  const fields = new Map<string, string>();
  // key: value pairs; values are a quoted string, True/False, or a tuple of integers
  const item = /\s*'([a-z_]+)'\s*:\s*('[^']*'|True|False|\([0-9,\sL]*\))\s*(,|$)/y;
  let rest = body[1];
  while (rest.trim() !== '') {
    item.lastIndex = 0;
    const m = item.exec(rest);
    if (!m) return fail(`cannot read '${rest.trim().slice(0, 40)}'`);
    if (fields.has(m[1])) fail(`key '${m[1]}' twice`);
    fields.set(m[1], m[2]);
    rest = rest.slice(m[0].length);
  }
  const descr = fields.get('descr');
  const fortran = fields.get('fortran_order');
  const shape = fields.get('shape');
  if (descr === undefined || !descr.startsWith("'")) return fail("no 'descr' string");
  if (fortran !== 'True' && fortran !== 'False') return fail("no 'fortran_order'");
  if (shape === undefined || !shape.startsWith('(')) return fail("no 'shape' tuple");
  const dims = shape
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s !== '')
    .map((s) => Number(s));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`shape ${shape} is not a list of sizes`);
  return { descr: descr.slice(1, -1), fortran: fortran === 'True', shape: dims };
}

/** Copy of `bytes` with every `size`-byte word reversed (big-endian → little-endian). */
function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  }
  return out;
}

/** Decodes a `.npy` file into a tensor. `what` names it in errors. */
export function readNpy(bytes: Uint8Array, what = 'npy'): TensorValue {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new LatheError(`${what}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new LatheError(`${what}: .npy format version ${major}.${bytes[7]} is not supported (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new LatheError(`${what}: .npy file truncated in its header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  // Both before anything is decoded or allocated for the header: its length is the file's word.
  if (start > bytes.length) throw new LatheError(`${what}: .npy header of ${headerLen} bytes passes the end of the file (${bytes.length} bytes)`);
  if (headerLen > MAX_HEADER) throw new LatheError(`${what}: .npy header of ${headerLen} bytes is too long (lathe reads up to ${MAX_HEADER})`);
  const raw = bytes.subarray(8 + lenBytes, start);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  const h = parseHeader(text, what);
  if (h.fortran) throw new LatheError(`${what}: Fortran-order .npy arrays are not supported (save with numpy.ascontiguousarray)`);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(h.descr);
  if (!m) throw new LatheError(`${what}: .npy dtype '${h.descr}' is not supported`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const count = elementCount(h.shape);
  if (count === undefined) throw new LatheError(`${what}: .npy shape (${h.shape.join(', ')}) has too many elements`);
  const data = bytes.subarray(start);
  const big = order === '>';
  if (kind === 'U') {
    // zero-width strings would make a shape of any size from no bytes
    if (size === 0) throw new LatheError(`${what}: .npy dtype '${h.descr}' holds no characters`);
    const need = count * size * 4;
    if (data.length !== need) throw new LatheError(`${what}: .npy data has ${data.length} bytes, shape and dtype need ${need}`);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
      let s = '';
      for (let k = 0; k < size; k++) {
        const cp = dv.getUint32((i * size + k) * 4, !big);
        if (cp === 0) break;
        if (cp > 0x10ffff) throw new LatheError(`${what}: .npy string holds code point ${cp}`);
        s += String.fromCodePoint(cp);
      }
      strings.push(s);
    }
    return { kind: 'tensor', dtype: D.STRING, dims: h.shape, data: strings };
  }
  const dtype = FROM_NUMPY[`${kind}${size}`];
  if (dtype === undefined) throw new LatheError(`${what}: .npy dtype '${h.descr}' has no ONNX counterpart`);
  const need = count * size;
  if (data.length !== need) throw new LatheError(`${what}: .npy data has ${data.length} bytes, shape (${h.shape.join(', ')}) of ${dtypeName(dtype)} needs ${need}`);
  const word = kind === 'c' ? size / 2 : size;
  const le = big && word > 1 ? swapped(data, word) : data;
  return { kind: 'tensor', dtype, dims: h.shape, data: decodeRaw(dtype, count, le, what) };
}

/** Encodes a tensor as a `.npy` file (v1.0, or v2.0 for a long header; little-endian, C order). */
export function writeNpy(v: TensorValue, what = 'tensor'): Uint8Array {
  let descr: string;
  let payload: Uint8Array;
  if (v.dtype === D.STRING) {
    if (!Array.isArray(v.data)) throw new LatheError(`${what}: string tensor holds numbers`);
    const cps = v.data.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
    const width = Math.max(1, ...cps.map((c) => c.length));
    payload = new Uint8Array(cps.length * width * 4);
    const dv = new DataView(payload.buffer);
    cps.forEach((c, i) => c.forEach((cp, k) => dv.setUint32((i * width + k) * 4, cp, true)));
    descr = `<U${width}`;
  } else {
    const np = TO_NUMPY.get(v.dtype);
    if (np === undefined) throw new LatheError(`${what}: ${dtypeName(v.dtype)} has no .npy dtype`);
    descr = `${np === 'b1' || np.endsWith('1') ? '|' : '<'}${np}`;
    payload = encodeRaw(v);
  }
  const shape = v.dims.length === 1 ? `(${v.dims[0]},)` : `(${v.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // total header (magic, version, length, dict, padding, newline) is a multiple of 64
  const v1 = 10 + header.length + 1 <= 0xffff;
  const prefix = v1 ? 10 : 12;
  header += ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(prefix + header.length + payload.length);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(payload, prefix + header.length);
  return out;
}

/**
 * The weights sidecar of a skeleton model (`NAME.weights.json`, the format of the shared corpus):
 * one JSON object mapping `init:<initializer name>` or `const:<Constant output name>` to
 * `{dtype, dims, min, max, mean, std}` of the data that was removed. `dtype` is numpy's name
 * (`float32`, `float16`, `float64`, `bfloat16`).
 *
 * Written the way Python's `json.dump` writes it (`", "` / `": "` separators, floats as Python's
 * `repr`, non-ASCII escaped) so lathe's sidecars diff cleanly against the corpus's.
 */
import { LatheError } from '../ir/error.js';

/** Statistics of one stripped tensor, as the sidecar stores them. */
export interface WeightStats {
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

/** ONNX dtype code ⇄ the sidecar's numpy name, for the dtypes the skeleton format strips. */
export const SIDECAR_DTYPES: ReadonlyMap<number, string> = new Map([
  [1, 'float32'],
  [10, 'float16'],
  [11, 'float64'],
  [16, 'bfloat16'],
]);

export function sidecarDtypeCode(name: string): number | undefined {
  for (const [code, n] of SIDECAR_DTYPES) if (n === name) return code;
  return undefined;
}

/**
 * Where the sidecar of `modelPath` lives: the corpus pairs `models/NAME.onnx` with
 * `models/NAME.weights.json`, so a trailing `.onnx` is replaced; any other path gets
 * `.weights.json` appended.
 */
export function sidecarPathFor(modelPath: string): string {
  return modelPath.endsWith('.onnx') ? modelPath.slice(0, -'.onnx'.length) + '.weights.json' : modelPath + '.weights.json';
}

/** A float the way Python's `repr` prints it (shortest round-trip digits; `1.0`, `1e-05`, `1e+16`). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** A JSON string literal with non-ASCII escaped as `\uXXXX` (Python's `ensure_ascii`). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The sidecar text for `entries` (in the given order), one line, ending with no newline. */
export function formatSidecar(entries: Iterable<readonly [string, WeightStats]>): string {
  const parts: string[] = [];
  for (const [key, s] of entries) {
    parts.push(
      `${pyString(key)}: {"dtype": ${pyString(s.dtype)}, "dims": [${s.dims.join(', ')}], "min": ${pyFloat(s.min)}, ` +
        `"max": ${pyFloat(s.max)}, "mean": ${pyFloat(s.mean)}, "std": ${pyFloat(s.std)}}`,
    );
  }
  return `{${parts.join(', ')}}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates a sidecar. Errors are `LatheError`s naming `file` and the key at fault.
 * The result is a Map in file order (JSON.parse makes `__proto__` an ordinary own key).
 */
export function parseSidecar(text: string, file: string): Map<string, WeightStats> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new LatheError(`not a valid weights sidecar (JSON): ${(e as Error).message}`, file);
  }
  if (!isRecord(root)) throw new LatheError('not a valid weights sidecar: expected a JSON object', file);
  const out = new Map<string, WeightStats>();
  for (const key of Object.keys(root)) {
    const v = root[key];
    const bad = (what: string): never => {
      throw new LatheError(`${key}: ${what}`, file);
    };
    if (!key.startsWith('init:') && !key.startsWith('const:')) bad(`key must start with 'init:' or 'const:'`);
    if (!isRecord(v)) bad('expected an object {dtype, dims, min, max, mean, std}');
    const s = v as Record<string, unknown>;
    if (typeof s.dtype !== 'string' || sidecarDtypeCode(s.dtype) === undefined) {
      bad(`dtype must be one of ${[...SIDECAR_DTYPES.values()].join(', ')}`);
    }
    if (!Array.isArray(s.dims) || !s.dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      bad('dims must be an array of non-negative integers');
    }
    for (const f of ['min', 'max', 'mean', 'std'] as const) {
      if (typeof s[f] !== 'number' || !Number.isFinite(s[f])) bad(`${f} must be a finite number`);
    }
    const stats: WeightStats = {
      dtype: s.dtype as string,
      dims: s.dims as number[],
      min: s.min as number,
      max: s.max as number,
      mean: s.mean as number,
      std: s.std as number,
    };
    if (stats.min > stats.max) bad(`min ${stats.min} is greater than max ${stats.max}`);
    if (stats.std < 0) bad(`std ${stats.std} is negative`);
    out.set(key, stats);
  }
  return out;
}

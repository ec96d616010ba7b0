/**
 * The inputs of `lathe run` and `lathe compare`: test-data files (`.pb`, or `.npy`) from a folder
 * or named one by one, and random values whose shapes come from the model, with
 * `--set-input-shape NAME=D0,D1,…` binding symbolic dims. Platform-neutral.
 */
import { DataType as D, dtypeName, elementCount } from '../ir/dtype.js';
import { LatheError } from '../ir/error.js';
import { readValue } from '../ir/eval/data.js';
import { checkFeed } from '../ir/eval/feed.js';
import { readNpy } from '../ir/eval/npy.js';
import { roundToDtype } from '../ir/ops/float-formats.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import { allocate, WIDENED_FLOATS } from '../ir/ops/util.js';
import { streamKey, uniformAt } from '../ir/random.js';
import type { Model, Type } from '../ir/types.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import { plural } from './inspect.js';
import type { Platform } from './platform.js';
import { storedIn } from '../ir/uses.js';

/** Most elements of one random input (a typo like 100000 for a dim must not exhaust memory). */
export const MAX_RANDOM_ELEMENTS = 1 << 26;

/** Where the values of a model's inputs come from. */
export interface FeedSpec {
  /** `--inputs DIR`: DIR/input_K.pb or DIR/input_K.npy for the K-th non-initializer input. */
  readonly dir?: string;
  /** `--input NAME=FILE`, by input name. */
  readonly named: ReadonlyMap<string, string>;
  /** `--random-inputs`: random values for inputs not given. */
  readonly random: boolean;
  /** `--set-input-shape NAME=D0,D1,…`, by input name. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Seed of the random values. */
  readonly seed: number;
}

/** `--seed N`: an integer in [0, 2^53), default 0. */
export function parseSeed(args: ParsedArgs): number {
  const text = args.values.get('seed') ?? '0';
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer in [0, 2^53) (got '${text}')`, args.command);
  return seed;
}

/** The feed options of a parsed command line (usage errors for malformed ones). */
export function feedSpecOf(args: ParsedArgs): FeedSpec {
  const named = new Map<string, string>();
  for (const spec of args.lists.get('input') ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--input expects NAME=FILE (got '${spec}')`, args.command);
    const name = spec.slice(0, eq);
    if (named.has(name)) throw new UsageError(`--input ${name} given twice`, args.command);
    named.set(name, spec.slice(eq + 1));
  }
  const shapes = parseInputShapes(args, false) as Map<string, number[]>;
  const random = args.flags.has('random-inputs');
  const dir = args.values.get('inputs');
  if (random && dir !== undefined) throw new UsageError('give --inputs DIR or --random-inputs, not both', args.command);
  return { dir, named, random, shapes, seed: parseSeed(args) };
}

/** A dim of `--set-input-shape` that names a symbol (`batch`, `seq_len`). */
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `--set-input-shape NAME=D0,D1,...` options of a parsed command line, by input name (usage
 * errors for malformed ones). `symbols`: whether a dim may be a symbol (`optimize`) or must be a
 * size (`run`, `compare`: they need concrete values).
 */
export function parseInputShapes(args: ParsedArgs, symbols: boolean): Map<string, (number | string)[]> {
  const shapes = new Map<string, (number | string)[]>();
  for (const spec of args.lists.get('set-input-shape') ?? []) {
    const eq = spec.lastIndexOf('=');
    const dims = eq > 0 ? spec.slice(eq + 1) : '';
    const list = dims === '' ? [] : dims.split(',');
    if (eq <= 0 || list.some((d) => !/^\d+$/.test(d) && !(symbols && SYMBOL.test(d)))) {
      throw new UsageError(`--set-input-shape expects NAME=D0,D1,... with sizes${symbols ? ' or symbols' : ''} (got '${spec}')`, args.command);
    }
    const name = spec.slice(0, eq);
    if (shapes.has(name)) throw new UsageError(`--set-input-shape ${name} given twice`, args.command);
    const parsed = list.map((d) => (/^\d+$/.test(d) ? Number(d) : d));
    if (parsed.some((d) => typeof d === 'number' && !Number.isSafeInteger(d))) throw new UsageError(`--set-input-shape ${name}: a dim is too large`, args.command);
    shapes.set(name, parsed);
  }
  return shapes;
}

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${file}` : `${dir}/${file}`;
}

/** Reads a `.npy` or `.pb` test-data file as the value of an input declared `type`. */
export function readInputFile(platform: Platform, file: string, type: Type | undefined, what: string): RtValue {
  const bytes = platform.readBytes(file);
  return /\.npy$/i.test(file) ? readNpy(bytes, what) : readValue(bytes, type, what);
}

/**
 * The values of `model`'s inputs (by name) as `spec` says. Missing inputs, shapes that cannot be
 * made concrete, and values that contradict the declared types are LatheErrors naming the input.
 */
export function gatherInputs(platform: Platform, model: Model, spec: FeedSpec, modelFile: string): Map<string, RtValue> {
  const g = model.graph;
  const initializers = storedIn(g);
  const nameOf = (id: (typeof g.inputs)[number]) => g.values[id]?.name ?? id;
  const known = new Set(g.inputs.map(nameOf));
  for (const name of spec.named.keys()) if (!known.has(name)) throw new LatheError(`--input ${name}: the model has no input '${name}'`, modelFile);
  for (const name of spec.shapes.keys()) {
    if (!known.has(name)) throw new LatheError(`--set-input-shape ${name}: the model has no input '${name}'`, modelFile);
  }
  const symbols = bindSymbols(model, spec, modelFile);
  const inputs = new Map<string, RtValue>();
  let k = 0;
  for (const id of g.inputs) {
    const name = nameOf(id);
    const type = g.values[id]?.type;
    const isInit = initializers.has(id);
    let file = spec.named.get(name);
    if (file === undefined && !isInit && spec.dir !== undefined) {
      const pb = joinPath(spec.dir, `input_${k}.pb`);
      const npy = joinPath(spec.dir, `input_${k}.npy`);
      file = !platform.exists(pb) && platform.exists(npy) ? npy : pb;
    }
    if (!isInit) k++;
    if (file === undefined) {
      if (isInit) continue;
      if (spec.random) {
        inputs.set(name, randomInput(name, type, spec, symbols, modelFile));
        continue;
      }
      throw new LatheError(`input '${name}' is missing (give --inputs DIR, --input ${name}=FILE or --random-inputs)`, modelFile);
    }
    if (!platform.exists(file)) throw new LatheError(`input '${name}': ${file} does not exist`, modelFile);
    const what = `input '${name}' (${file})`;
    const v = readInputFile(platform, file, type, what);
    checkFeed(v, type, what);
    inputs.set(name, v);
  }
  return inputs;
}

/** Symbol → size from the `--set-input-shape` shapes, checked against the declared shapes. */
function bindSymbols(model: Model, spec: FeedSpec, modelFile: string): Map<string, number> {
  const symbols = new Map<string, number>();
  for (const id of model.graph.inputs) {
    const v = model.graph.values[id];
    const name = v?.name ?? id;
    const given = spec.shapes.get(name);
    if (given === undefined) continue;
    const t = v?.type;
    if (t?.kind !== 'tensor') throw new LatheError(`--set-input-shape ${name}: input '${name}' is not a tensor`, modelFile);
    const shape = t.shape;
    if (shape === undefined) continue;
    const declared = `[${shape.map((d) => d ?? '?').join(',')}]`;
    if (shape.length !== given.length) {
      throw new LatheError(`--set-input-shape ${name}: ${plural(given.length, 'dim')} given, input '${name}' has rank ${shape.length} ${declared}`, modelFile);
    }
    shape.forEach((d, i) => {
      if (typeof d === 'number' && d !== given[i]) {
        throw new LatheError(`--set-input-shape ${name}: dim ${i} is ${given[i]}, declared ${declared}`, modelFile);
      }
      if (typeof d === 'string') {
        const bound = symbols.get(d);
        if (bound !== undefined && bound !== given[i]) {
          throw new LatheError(`--set-input-shape ${name}: '${d}' is ${given[i]} here and ${bound} in another input`, modelFile);
        }
        symbols.set(d, given[i]);
      }
    });
  }
  return symbols;
}

/** The concrete dims of a random input: given, else declared with symbols bound. */
function concreteDims(name: string, type: Type | undefined, spec: FeedSpec, symbols: ReadonlyMap<string, number>, modelFile: string): number[] {
  const given = spec.shapes.get(name);
  if (given !== undefined) return [...given];
  const shape = type?.kind === 'tensor' ? type.shape : undefined;
  if (shape === undefined) {
    throw new LatheError(`input '${name}' has no declared shape; give --set-input-shape ${name}=D0,D1,...`, modelFile);
  }
  return shape.map((d, i) => {
    if (typeof d === 'number') return d;
    const bound = typeof d === 'string' ? symbols.get(d) : undefined;
    if (bound !== undefined) return bound;
    const which = typeof d === 'string' ? `symbolic dim '${d}'` : 'an unknown dim';
    throw new LatheError(`input '${name}': dim ${i} is ${which}; give --set-input-shape ${name}=D0,D1,...`, modelFile);
  });
}

/**
 * A deterministic random tensor for input `name`: floats uniform in [-1, 1) (rounded to the
 * dtype), integers in [0, 10) ([0, 8) for int4, [0, 2) for 2-bit types; safe as indices and token ids of small tables), bools 0/1,
 * strings of a few letters. The stream depends on the seed and the input's name only.
 */
function randomInput(name: string, type: Type | undefined, spec: FeedSpec, symbols: ReadonlyMap<string, number>, modelFile: string): TensorValue {
  if (type?.kind !== 'tensor') {
    const kind = type === undefined ? 'an untyped value' : `a ${type.kind}`;
    throw new LatheError(`input '${name}' is ${kind}: --random-inputs makes tensors only; give --input ${name}=FILE`, modelFile);
  }
  const dtype = type.dtype;
  const dims = concreteDims(name, type, spec, symbols, modelFile);
  const n = elementCount(dims);
  if (n === undefined || n > MAX_RANDOM_ELEMENTS) {
    throw new LatheError(`input '${name}': shape [${dims.join(',')}] has more than ${MAX_RANDOM_ELEMENTS} elements`, modelFile);
  }
  const key = streamKey(spec.seed, `input:${name}`);
  if (dtype === D.STRING) {
    const data = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + Math.floor(uniformAt(key, i) * 26)));
    return { kind: 'tensor', dtype, dims, data };
  }
  let data;
  try {
    data = allocate(dtype, n);
  } catch {
    throw new LatheError(`input '${name}': --random-inputs cannot make ${dtypeName(dtype)} values`, modelFile);
  }
  if (Array.isArray(data)) throw new LatheError(`input '${name}': --random-inputs cannot make ${dtypeName(dtype)} values`, modelFile);
  // integers stay in [0, 10), or what the sub-byte types hold
  const range = dtype === D.INT2 || dtype === D.UINT2 ? 2 : dtype === D.INT4 ? 8 : 10;
  const float = dtype === D.FLOAT || dtype === D.DOUBLE || dtype === D.COMPLEX64 || dtype === D.COMPLEX128 || WIDENED_FLOATS.has(dtype);
  for (let i = 0; i < data.length; i++) {
    const u = uniformAt(key, i);
    if (float) {
      const x = 2 * u - 1;
      (data as Float32Array)[i] = WIDENED_FLOATS.has(dtype) ? roundToDtype(dtype, x) : x;
    } else if (dtype === D.BOOL) (data as Uint8Array)[i] = u < 0.5 ? 0 : 1;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.floor(u * range));
    else data[i] = Math.floor(u * range);
  }
  return { kind: 'tensor', dtype, dims, data };
}

/**
 * ai.onnx.ml ops the node tests exercise: LabelEncoder, TreeEnsemble, ArrayFeatureExtractor,
 * Binarizer.
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { Attr } from '../../types.js';
import type { AttrReader, OpDef, OpTable, TensorValue } from '../types.js';
import { allocate, asTensor, isBigInt, isFloat } from '../util.js';
import { checkAttrSized } from './common.js';

const ML = 'ai.onnx.ml';

type Scalar = string | number | bigint;

/** Map key of a scalar: integers as bigint (int32 input meets int64 keys), floats as numbers (NaN == NaN in a Map). */
function keyOf(v: Scalar, integral: boolean): Scalar {
  return integral && typeof v === 'number' ? BigInt(v) : v;
}

function rawInts(a: AttrReader, name: string): bigint[] | undefined {
  const at: Attr | undefined = a.get(name);
  return at && at.kind === 'ints' ? at.value.slice() : undefined;
}

function tensorList(t: TensorValue): Scalar[] {
  return Array.from(t.data as ArrayLike<Scalar>);
}

interface Column { dtype: number; items: Scalar[] }

/** The keys_* / values_* attribute that is set, as a dtype and a list of scalars. */
function column(a: AttrReader, prefix: 'keys' | 'values', op: string): Column {
  const found: Column[] = [];
  if (a.has(`${prefix}_strings`)) found.push({ dtype: D.STRING, items: a.strings(`${prefix}_strings`) });
  if (a.has(`${prefix}_int64s`)) found.push({ dtype: D.INT64, items: rawInts(a, `${prefix}_int64s`) ?? [] });
  if (a.has(`${prefix}_floats`)) found.push({ dtype: D.FLOAT, items: a.floats(`${prefix}_floats`) });
  const t = a.tensor(`${prefix}_tensor`);
  if (t) found.push({ dtype: t.dtype, items: tensorList(t) });
  if (found.length !== 1) throw new LatheError(`${op}: exactly one ${prefix}_* attribute must be set (found ${found.length})`);
  return found[0];
}

function defaultValue(a: AttrReader, dtype: number, fromTensor: boolean): Scalar {
  const t = a.tensor('default_tensor');
  if (fromTensor && t && t.data.length > 0) return (t.data as ArrayLike<Scalar>)[0];
  if (dtype === D.STRING) return a.string('default_string', '_Unused');
  if (dtype === D.FLOAT || dtype === D.DOUBLE) return a.float('default_float', -0);
  const v = a.has('default_int64') ? a.bigint('default_int64') : -1n;
  return isBigInt(dtype) ? v : Number(v);
}

function labelEncoderV1(x: TensorValue, a: AttrReader): TensorValue {
  const classes = a.strings('classes_strings', []);
  if (x.dtype === D.STRING) {
    const index = new Map<string, number>();
    classes.forEach((c, i) => { if (!index.has(c)) index.set(c, i); });
    const dflt = a.has('default_int64') ? a.bigint('default_int64') : -1n;
    const out = new BigInt64Array(x.data.length);
    (x.data as string[]).forEach((s, i) => { const j = index.get(s); out[i] = j === undefined ? dflt : BigInt(j); });
    return { kind: 'tensor', dtype: D.INT64, dims: x.dims.slice(), data: out };
  }
  const dflt = a.string('default_string', '_Unused');
  const out = Array.from(x.data as ArrayLike<Scalar>, (v) => { const j = Number(v); return j >= 0 && j < classes.length ? classes[j] : dflt; });
  return { kind: 'tensor', dtype: D.STRING, dims: x.dims.slice(), data: out };
}

const labelEncoder: OpDef = {
  domain: ML,
  name: 'LabelEncoder',
  since: [1, 2, 4],
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'LabelEncoder: X');
    const a = ctx.attrs;
    if (ctx.opset < 2) return [labelEncoderV1(x, a)];
    const keys = column(a, 'keys', 'LabelEncoder');
    const values = column(a, 'values', 'LabelEncoder');
    if (keys.items.length !== values.items.length) throw new LatheError('LabelEncoder: keys and values differ in length');
    const integral = !isFloat(keys.dtype) && keys.dtype !== D.STRING;
    if ((keys.dtype === D.STRING) !== (x.dtype === D.STRING)) throw new LatheError('LabelEncoder: input dtype does not match the keys');
    const map = new Map<Scalar, Scalar>();
    keys.items.forEach((k, i) => map.set(keyOf(k, integral), values.items[i]));
    const dflt = defaultValue(a, values.dtype, a.has('values_tensor'));
    const n = x.data.length;
    const out = allocate(values.dtype, n);
    const src = x.data as ArrayLike<Scalar>;
    const big = isBigInt(values.dtype);
    for (let i = 0; i < n; i++) {
      let v = map.get(keyOf(src[i], integral));
      if (v === undefined) v = dflt;
      (out as Scalar[])[i] = big ? BigInt(v) : values.dtype === D.STRING ? String(v) : Number(v);
    }
    return [{ kind: 'tensor', dtype: values.dtype, dims: x.dims.slice(), data: out }];
  },
};

/** post_transform of TreeEnsemble applied to one row of scores in place. */
function postTransform(row: Float64Array, kind: number): void {
  if (kind === 0) return;
  if (kind === 2) { for (let i = 0; i < row.length; i++) row[i] = 1 / (1 + Math.exp(-row[i])); return; }
  if (kind === 4) { for (let i = 0; i < row.length; i++) row[i] = Math.SQRT2 * erfInv(2 * row[i] - 1); return; }
  if (kind !== 1 && kind !== 3) throw new LatheError(`TreeEnsemble: post_transform ${kind} is unknown`);
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    // SOFTMAX_ZERO keeps exact zeros at zero.
    row[i] = kind === 3 && row[i] === 0 ? 0 : Math.exp(row[i] - max);
    sum += row[i];
  }
  for (let i = 0; i < row.length; i++) row[i] = sum > 0 ? row[i] / sum : 0;
}

/** Inverse error function (Giles' single-precision approximation, refined by two Newton steps). */
function erfInv(x: number): number {
  if (x <= -1) return -Infinity;
  if (x >= 1) return Infinity;
  const w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    const t = w - 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * t;
  } else {
    const t = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * t;
  }
  let y = p * x;
  for (let k = 0; k < 2; k++) y -= (erf(y) - x) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-y * y));
  return y;
}

/** erf by its series / continued fraction (double precision is enough for one Newton step). */
function erf(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
}

const treeEnsemble: OpDef = {
  domain: ML,
  name: 'TreeEnsemble',
  since: [5],
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'TreeEnsemble: X');
    if (!isFloat(x.dtype) || x.dims.length !== 2) throw new LatheError('TreeEnsemble: X must be a float tensor [N, F]');
    const a = ctx.attrs;
    const need = (name: string): TensorValue => {
      const t = a.tensor(name);
      if (!t) throw new LatheError(`TreeEnsemble: attribute '${name}' is missing`);
      return t;
    };
    const splits = need('nodes_splits').data as Float32Array;
    const modes = need('nodes_modes').data as Uint8Array;
    const weights = need('leaf_weights').data as Float32Array;
    const feat = a.ints('nodes_featureids');
    const tIds = a.ints('nodes_truenodeids');
    const fIds = a.ints('nodes_falsenodeids');
    const tLeaf = a.ints('nodes_trueleafs');
    const fLeaf = a.ints('nodes_falseleafs');
    const missTrue = a.ints('nodes_missing_value_tracks_true', []);
    const targets = a.ints('leaf_targetids');
    const roots = a.ints('tree_roots');
    const nTargets = a.int('n_targets', targets.reduce((m, t) => Math.max(m, t + 1), 0));
    if (!(nTargets >= 0)) throw new LatheError(`TreeEnsemble: n_targets ${nTargets} is negative`);
    const agg = a.int('aggregate_function', 1);
    const post = a.int('post_transform', 0);
    const nNodes = modes.length;
    for (const arr of [feat, tIds, fIds, tLeaf, fLeaf]) if (arr.length !== nNodes) throw new LatheError('TreeEnsemble: nodes_* attributes differ in length');
    if (targets.length !== weights.length) throw new LatheError('TreeEnsemble: leaf_* attributes differ in length');
    if (targets.some((t) => t < 0 || t >= nTargets)) throw new LatheError('TreeEnsemble: leaf target id out of range');
    // Membership sets in nodes_modes order, each terminated by NaN.
    const members: (Set<number> | undefined)[] = new Array(nNodes);
    const mv = a.tensor('membership_values')?.data as Float32Array | undefined;
    let at = 0;
    for (let i = 0; i < nNodes; i++) {
      if (modes[i] !== 6) continue;
      if (!mv) throw new LatheError('TreeEnsemble: BRANCH_MEMBER node without membership_values');
      const s = new Set<number>();
      while (at < mv.length && !Number.isNaN(mv[at])) s.add(mv[at++]);
      at++;
      members[i] = s;
    }
    const [rows, nFeat] = x.dims;
    const xs = x.data as Float32Array;
    checkAttrSized(rows * nTargets, 'TreeEnsemble');
    const out = allocate(x.dtype, rows * nTargets) as Float32Array;
    const row = new Float64Array(nTargets);
    const init = agg === 2 ? Infinity : agg === 3 ? -Infinity : 0;
    for (let r = 0; r < rows; r++) {
      row.fill(init);
      const touched = new Uint8Array(nTargets);
      for (const root of roots) {
        let node = root;
        let leaf = -1;
        // A single-node tree whose branches name the same leaf is a leaf.
        if (tLeaf[node] && fLeaf[node] && tIds[node] === fIds[node]) leaf = tIds[node];
        for (let steps = 0; leaf < 0; steps++) {
          if (node < 0 || node >= nNodes || steps > nNodes) throw new LatheError('TreeEnsemble: node ids do not form a tree');
          const f = feat[node];
          if (f < 0 || f >= nFeat) throw new LatheError(`TreeEnsemble: feature id ${f} out of range`);
          const v = xs[r * nFeat + f];
          const s = splits[node];
          let go: boolean;
          switch (modes[node]) {
            case 0: go = v <= s; break;
            case 1: go = v < s; break;
            case 2: go = v >= s; break;
            case 3: go = v > s; break;
            case 4: go = v === s; break;
            case 5: go = v !== s; break;
            case 6: go = members[node]!.has(v); break;
            default: throw new LatheError(`TreeEnsemble: node mode ${modes[node]} is unknown`);
          }
          if (!go && missTrue[node] && Number.isNaN(v)) go = true;
          const isLeaf = go ? tLeaf[node] : fLeaf[node];
          const next = go ? tIds[node] : fIds[node];
          if (isLeaf) leaf = next;
          else node = next;
        }
        if (leaf >= weights.length) throw new LatheError(`TreeEnsemble: leaf id ${leaf} out of range`);
        const t = targets[leaf];
        const w = weights[leaf];
        touched[t] = 1;
        if (agg === 0 || agg === 1) row[t] += w;
        else if (agg === 2) row[t] = Math.min(row[t], w);
        else if (agg === 3) row[t] = Math.max(row[t], w);
        else throw new LatheError(`TreeEnsemble: aggregate_function ${agg} is unknown`);
      }
      for (let t = 0; t < nTargets; t++) {
        if (!touched[t]) row[t] = 0;
        else if (agg === 0) row[t] /= roots.length;
      }
      postTransform(row, post);
      out.set(row, r * nTargets);
    }
    return [{ kind: 'tensor', dtype: x.dtype, dims: [rows, nTargets], data: out }];
  },
};

const arrayFeatureExtractor: OpDef = {
  domain: ML,
  name: 'ArrayFeatureExtractor',
  since: [1],
  kernel(inputs) {
    const x = asTensor(inputs[0], 'ArrayFeatureExtractor: X');
    const idx = asTensor(inputs[1], 'ArrayFeatureExtractor: Y');
    if (x.dims.length === 0) throw new LatheError('ArrayFeatureExtractor: X must have rank >= 1');
    const last = x.dims[x.dims.length - 1];
    const ids = Array.from(idx.data as ArrayLike<number | bigint>, Number);
    for (const i of ids) if (!(i >= 0 && i < last)) throw new LatheError(`ArrayFeatureExtractor: index ${i} out of range [0, ${last})`);
    const outer = x.data.length / Math.max(last, 1);
    const rows = last === 0 ? 0 : outer;
    const out = allocate(x.dtype, rows * ids.length);
    const src = x.data as ArrayLike<Scalar>;
    for (let r = 0; r < rows; r++) for (let j = 0; j < ids.length; j++) (out as Scalar[])[r * ids.length + j] = src[r * last + ids[j]];
    // A vector is treated as one row (as onnxruntime does).
    const dims = x.dims.length === 1 ? [1, ids.length] : [...x.dims.slice(0, -1), ids.length];
    return [{ kind: 'tensor', dtype: x.dtype, dims, data: out }];
  },
};

const binarizer: OpDef = {
  domain: ML,
  name: 'Binarizer',
  since: [1],
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'Binarizer: X');
    if (Array.isArray(x.data)) throw new LatheError('Binarizer: X must be numeric');
    const th = ctx.attrs.float('threshold', 0);
    const out = allocate(x.dtype, x.data.length);
    if (isBigInt(x.dtype)) {
      const s = x.data as BigInt64Array;
      for (let i = 0; i < s.length; i++) (out as BigInt64Array)[i] = Number(s[i]) > th ? 1n : 0n;
    } else {
      const s = x.data as Float64Array;
      for (let i = 0; i < s.length; i++) (out as Float64Array)[i] = s[i] > th ? 1 : 0;
    }
    return [{ kind: 'tensor', dtype: x.dtype, dims: x.dims.slice(), data: out }];
  },
};

export const mlOps: OpTable = [labelEncoder, treeEnsemble, arrayFeatureExtractor, binarizer];

/**
 * Skeleton models (the shared corpus's format): `strip` removes the payload of every large float
 * tensor and records its statistics; `fill` gives each recorded tensor deterministic random data
 * with those statistics. Platform-neutral: the CLI reads and writes the files.
 *
 * Which tensors: as the corpus (and its `fill.py`) does it, initializers (key `init:<name>`) and
 * the `value` tensor of `Constant` nodes (key `const:<output name>`), of dtype
 * float32/float16/double/bfloat16, with MORE than 64 elements; and beyond the corpus, in every
 * graph: subgraphs (If/Loop/Scan bodies, same keys) and function bodies (keys prefixed with
 * `fn:<domain>::<name>/`), where models such as silero VAD keep most of their weights. A key met
 * again in a subgraph (then/else branches with the same names) gets `@<graph path>` appended.
 */
import { Blob } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { dtypeName, elementCount } from '../ir/dtype.js';
import { streamKey } from '../ir/random.js';
import type { Attr, Graph, Model, NodeId, Tensor, ValueId } from '../ir/types.js';
import { mapGraphs, pathLabel, walkGraphs } from '../ir/walk.js';
import { SIDECAR_DTYPES, type WeightStats } from './sidecar.js';
import { floatElementSize, forEachFloatChunk, generatedSource } from './tensor-values.js';

/** Tensors with at most this many elements keep their data. */
export const STRIP_MIN_ELEMENTS = 64;

/** Where a sidecar key points: a value or a Constant node of one graph (`graph`, as walked). */
type Site =
  | { readonly graph: Graph; readonly kind: 'init'; readonly value: ValueId }
  | { readonly graph: Graph; readonly kind: 'const'; readonly node: NodeId; readonly attr: number };

/**
 * Every candidate tensor site of every graph by sidecar key (first one wins on duplicate keys).
 * The main graph and its subgraphs (If/Loop/Scan bodies) use the corpus's keys, `init:<name>` and
 * `const:<output name>` (ONNX names are unique across a graph and its subgraphs); a function body
 * prefixes them with `fn:<domain>::<name>/`, its names being its own.
 */
function sites(model: Model): Map<string, Site> {
  const out = new Map<string, Site>();
  walkGraphs(model, (graph, path) => {
    let root = path;
    while (root.parent) root = root.parent;
    const f = root.step.kind === 'function' ? model.functions[root.step.index] : undefined;
    const prefix = f ? `fn:${f.domain}::${f.name}${f.overload ? `:${f.overload}` : ''}/` : '';
    // A name met again in another graph (then/else branches built alike) gets the graph's path.
    const keyFor = (base: string) => (!out.has(base) ? base : path.depth > 0 ? `${base}@${pathLabel(model, path)}` : undefined);
    for (const id of graph.initializers) {
      const name = graph.values[id]?.name;
      const key = name === undefined ? undefined : keyFor(`${prefix}init:${name}`);
      if (key !== undefined && !out.has(key)) out.set(key, { graph, kind: 'init', value: id });
    }
    for (const nid of graph.order) {
      const node = graph.nodes[nid];
      if (!node || node.op !== 'Constant' || node.domain !== '') continue;
      const out0 = node.outputs[0];
      const name = out0 ? graph.values[out0]?.name : undefined;
      const attr = node.attrs.findIndex((a) => a.name === 'value' && a.kind === 'tensor');
      const key = name === undefined ? undefined : keyFor(`${prefix}const:${name}`);
      if (key !== undefined && attr >= 0 && !out.has(key)) out.set(key, { graph, kind: 'const', node: nid, attr });
    }
  });
  return out;
}

function tensorAt(site: Site): Tensor | undefined {
  if (site.kind === 'init') return site.graph.values[site.value]?.tensor;
  const a = site.graph.nodes[site.node].attrs[site.attr];
  return a.kind === 'tensor' ? a.value : undefined;
}

/** A copy of `model` with the tensors at the sites replaced (each graph's records copied once). */
function replaceTensors(model: Model, replacements: readonly (readonly [Site, Tensor])[]): Model {
  if (replacements.length === 0) return model;
  const byGraph = new Map<Graph, (readonly [Site, Tensor])[]>();
  for (const r of replacements) {
    const list = byGraph.get(r[0].graph);
    if (list) list.push(r);
    else byGraph.set(r[0].graph, [r]);
  }
  return mapGraphs(model, (g, path) => {
    const here = byGraph.get(path.graph);
    if (!here) return g;
    const values = { ...g.values } as Record<ValueId, Graph['values'][ValueId]>;
    const nodes = { ...g.nodes } as Record<NodeId, Graph['nodes'][NodeId]>;
    for (const [site, tensor] of here) {
      if (site.kind === 'init') {
        values[site.value] = { ...values[site.value], tensor };
      } else {
        const node = nodes[site.node];
        const attrs = node.attrs.slice();
        attrs[site.attr] = { ...(attrs[site.attr] as Attr & { kind: 'tensor' }), value: tensor };
        nodes[site.node] = { ...node, attrs };
      }
    }
    return { ...g, values, nodes };
  });
}

function withData(t: Tensor, data: Tensor['data']): Tensor {
  const { externalOrigin: _dropped, ...rest } = t;
  return { ...rest, data };
}

/** Running statistics over float64 chunks (Chan et al. pairwise combination: stable for huge n). */
class StatsAccumulator {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  nonFinite = false;

  add(values: Float64Array, count: number): void {
    if (count === 0) return;
    let sum = 0;
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!Number.isFinite(sum)) this.nonFinite = true;
    const meanB = sum / count;
    let m2B = 0;
    for (let i = 0; i < count; i++) {
      const d = values[i] - meanB;
      m2B += d * d;
    }
    const n = this.n + count;
    const delta = meanB - this.mean;
    this.mean += (delta * count) / n;
    this.m2 += m2B + (delta * delta * this.n * count) / n;
    this.n = n;
    this.min = min;
    this.max = max;
  }
}

export interface StripOptions {
  /** Called with the number of stored bytes read, as statistics are computed (progress). */
  readonly onBytes?: (n: number) => void;
}

export interface StripResult {
  readonly model: Model;
  /** Sidecar entries in model order (initializers, then Constant nodes). */
  readonly weights: ReadonlyMap<string, WeightStats>;
  /** Candidates that kept their data, and why (NaN/Inf values, a storage form not decoded). */
  readonly kept: readonly { readonly key: string; readonly reason: string }[];
  /** Stored payload bytes removed. */
  readonly bytesRemoved: number;
}

/** Strips the large float tensors of `model` (see the module comment) and returns their stats. */
export function stripModel(model: Model, options: StripOptions = {}): StripResult {
  const weights = new Map<string, WeightStats>();
  const kept: { key: string; reason: string }[] = [];
  const replacements: [Site, Tensor][] = [];
  let bytesRemoved = 0;
  for (const [key, site] of sites(model)) {
    const t = tensorAt(site);
    const dtypeName = t ? SIDECAR_DTYPES.get(t.dtype) : undefined;
    if (!t || dtypeName === undefined || t.data.kind === 'none') continue;
    const count = elementCount(t.dims);
    if (count === undefined || count <= STRIP_MIN_ELEMENTS) continue;
    const acc = new StatsAccumulator();
    const decoded = forEachFloatChunk(t, key, (v, n) => acc.add(v, n), options.onBytes);
    if (!decoded) {
      kept.push({ key, reason: `its ${t.data.kind === 'field' ? t.data.field : t.data.kind} storage is not decoded` });
      continue;
    }
    if (acc.nonFinite) {
      kept.push({ key, reason: 'it holds NaN or infinite values, which the sidecar cannot describe' });
      continue;
    }
    weights.set(key, { dtype: dtypeName, dims: t.dims.slice(), min: acc.min, max: acc.max, mean: acc.mean, std: Math.sqrt(acc.m2 / acc.n) });
    replacements.push([site, withData(t, { kind: 'none' })]);
    bytesRemoved += count * (floatElementSize(t.dtype) ?? 0);
  }
  return { model: replaceTensors(model, replacements), weights, kept, bytesRemoved };
}

export interface FillOptions {
  /** PRNG seed, an integer in [0, 2^53) (default 0). */
  readonly seed?: number;
  /** The sidecar's path, for error messages. */
  readonly sidecarFile?: string;
}

export interface FillResult {
  readonly model: Model;
  readonly filled: number;
  /** Bytes of generated payload. */
  readonly bytes: number;
}

/**
 * Gives every tensor listed in `weights` data drawn from normal(mean, std) clipped to [min, max],
 * as a lazy blob over a generated source (nothing is computed until the bytes are read). The
 * same seed always gives the same bytes. A key that names no tensor, or whose dtype/dims differ
 * from the model's, is a `LatheError` naming the sidecar file and the key.
 */
export function fillModel(model: Model, weights: ReadonlyMap<string, WeightStats>, options: FillOptions = {}): FillResult {
  const seed = options.seed ?? 0;
  const file = options.sidecarFile;
  const where = sites(model);
  const replacements: [Site, Tensor][] = [];
  let bytes = 0;
  for (const [key, s] of weights) {
    const site = where.get(key);
    const t = site ? tensorAt(site) : undefined;
    if (!site || !t) {
      throw new LatheError(`${key}: names no ${key.includes('init:') ? 'initializer' : 'Constant node output'} of the model`, file);
    }
    if (SIDECAR_DTYPES.get(t.dtype) !== s.dtype) {
      throw new LatheError(`${key}: dtype ${s.dtype} does not match the model's tensor (${dtypeName(t.dtype)})`, file);
    }
    if (s.dims.length !== t.dims.length || s.dims.some((d, i) => d !== t.dims[i])) {
      throw new LatheError(`${key}: dims [${s.dims.join(',')}] do not match the model's [${t.dims.join(',')}]`, file);
    }
    const count = elementCount(t.dims);
    if (count === undefined) throw new LatheError(`${key}: dims [${t.dims.join(',')}] have no valid element count`, file);
    const source = generatedSource({ dtype: t.dtype, count, mean: s.mean, std: s.std, min: s.min, max: s.max }, streamKey(seed, key), `<fill ${key}>`);
    replacements.push([site, withData(t, { kind: 'blob', blob: new Blob(source, 0, source.size) })]);
    bytes += source.size;
  }
  return { model: replaceTensors(model, replacements), filled: replacements.length, bytes };
}

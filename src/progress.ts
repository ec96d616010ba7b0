/**
 * A progress line for long CLI work, without timers: the work reports bytes as it goes and the
 * meter redraws at most every 200 ms, and only once the work has run for a second. The sink
 * (the platform's `progress(text)`) rewrites one terminal line; `''` clears it.
 */
import { Blob, type ByteSource } from '../ir/blob.js';
import type { Graph, Model, SparseTensor, Tensor, Value } from '../ir/types.js';
import { mapGraphs } from '../ir/walk.js';
import { formatBytes } from './inspect.js';

export class ProgressMeter {
  private done = 0;
  private readonly start: number;
  private last = -Infinity;
  private shown = false;

  constructor(
    private readonly sink: ((text: string) => void) | undefined,
    private readonly now: () => number,
    private readonly label: string,
    private readonly total?: number,
  ) {
    this.start = now();
  }

  /** Counts `n` more bytes; redraws when due. */
  add(n: number): void {
    this.done += n;
    if (!this.sink) return;
    const t = this.now();
    if (t - this.start < 1000 || t - this.last < 200) return;
    this.last = t;
    this.shown = true;
    const total = this.total ? ` / ${formatBytes(this.total)}` : '';
    const pct = this.total ? ` (${Math.min(100, Math.floor((100 * this.done) / this.total))}%)` : '';
    this.sink(`lathe: ${this.label} ${formatBytes(this.done)}${total}${pct}`);
  }

  /** Clears the line if it was ever drawn. */
  finish(): void {
    if (this.shown && this.sink) this.sink('');
    this.shown = false;
  }
}

/** A source that reports each read's length to `onBytes`. */
function countingSource(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  return {
    size: source.size,
    label: source.label,
    read(offset, length, into) {
      const out = source.read(offset, length, into);
      onBytes(length);
      return out;
    },
  };
}

/**
 * The same model with every lazy blob read through a counting source (shared sources stay shared),
 * so a save that streams blobs can drive a progress meter. Tensors held in memory are not counted.
 */
export function countBlobReads(model: Model, onBytes: (n: number) => void): Model {
  const wrapped = new Map<ByteSource, ByteSource>();
  const wrapBlob = (b: Blob): Blob => {
    let s = wrapped.get(b.source);
    if (!s) wrapped.set(b.source, (s = countingSource(b.source, onBytes)));
    return new Blob(s, b.offset, b.length);
  };
  const tensor = (t: Tensor): Tensor => {
    const d = t.data;
    if (d.kind === 'blob') return { ...t, data: { kind: 'blob', blob: wrapBlob(d.blob) } };
    if (d.kind === 'field' && d.values instanceof Blob) return { ...t, data: { ...d, values: wrapBlob(d.values) } as Tensor['data'] };
    return t;
  };
  const sparse = (s: SparseTensor): SparseTensor => {
    const values = tensor(s.values);
    const indices = tensor(s.indices);
    return values === s.values && indices === s.indices ? s : { ...s, values, indices };
  };
  return mapGraphs(model, (g: Graph) => {
    let values: Record<string, Value> | undefined;
    for (const id of [...g.initializers, ...g.sparseInitializers]) {
      const v = g.values[id];
      if (!v) continue;
      const t = v.tensor ? tensor(v.tensor) : undefined;
      const s = v.sparse ? sparse(v.sparse) : undefined;
      if (t === v.tensor && s === v.sparse) continue;
      values ??= { ...g.values };
      values[id] = { ...v, ...(t ? { tensor: t } : {}), ...(s ? { sparse: s } : {}) };
    }
    let nodes: Record<string, Graph['nodes'][keyof Graph['nodes']]> | undefined;
    for (const id of g.order) {
      const node = g.nodes[id];
      if (!node) continue;
      let attrs: Graph['nodes'][typeof id]['attrs'][number][] | undefined;
      node.attrs.forEach((a, i) => {
        let next = a;
        if (a.kind === 'tensor') next = { ...a, value: tensor(a.value) };
        else if (a.kind === 'tensors') next = { ...a, value: a.value.map(tensor) };
        else if (a.kind === 'sparse_tensor') next = { ...a, value: sparse(a.value) };
        else if (a.kind === 'sparse_tensors') next = { ...a, value: a.value.map(sparse) };
        else return;
        (attrs ??= [...node.attrs])[i] = next;
      });
      if (attrs) (nodes ??= { ...g.nodes })[id] = { ...node, attrs };
    }
    if (!values && !nodes) return g;
    return { ...g, ...(values ? { values } : {}), ...(nodes ? { nodes } : {}) } as Graph;
  });
}

/**
 * `--set-input-shape NAME=D0,D1,...` for `lathe optimize` and `optimize({ setInputShapes })`: fixes
 * the declared dims of graph inputs before the passes run, so shape inference and the rules that
 * need static dims see them. A symbolic dim the user fixes is fixed everywhere it is declared on the
 * graph's inputs and outputs (one symbol, one size: the ONNX convention `lathe run` follows too).
 */
import { LatheError } from '../ir/error.js';
import type { Dim, Model, Type, ValueId } from '../ir/types.js';
import { plural } from './inspect.js';

/** The dims given for one input: sizes, or symbols (`batch`). */
export type InputShape = readonly (number | string)[];

function shapeText(shape: readonly Dim[]): string {
  return `[${shape.map((d) => d ?? '?').join(',')}]`;
}

/**
 * `model` with the declared shapes of the named graph inputs replaced by `shapes`. An unknown input
 * name, a non-tensor input, a rank mismatch, a dim that contradicts a static declared dim, and a
 * symbol fixed to two sizes are LatheErrors of one line naming the input. Returns `model` itself
 * when `shapes` is empty.
 */
export function setInputShapes(model: Model, shapes: ReadonlyMap<string, InputShape>): Model {
  if (shapes.size === 0) return model;
  const g = model.graph;
  const byName = new Map<string, ValueId>();
  for (const id of g.inputs) byName.set(g.values[id]?.name ?? id, id);
  // symbol declared on an input → what the user fixed it to
  const rebound = new Map<string, number | string>();
  const newTypes = new Map<ValueId, Type>();
  for (const [name, given] of shapes) {
    const what = `--set-input-shape ${name}`;
    const id = byName.get(name);
    if (id === undefined) throw new LatheError(`${what}: the model has no input '${name}'`);
    const t = g.values[id]?.type;
    if (t !== undefined && t.kind !== 'tensor') throw new LatheError(`${what}: input '${name}' is not a tensor`);
    const declared = t?.shape;
    if (declared !== undefined) {
      if (declared.length !== given.length) {
        throw new LatheError(`${what}: ${plural(given.length, 'dim')} given, input '${name}' has rank ${declared.length} ${shapeText(declared)}`);
      }
      declared.forEach((d, i) => {
        if (typeof d === 'number' && d !== given[i]) throw new LatheError(`${what}: dim ${i} is ${given[i]}, declared ${shapeText(declared)}`);
        if (typeof d === 'string' && d !== given[i]) {
          const bound = rebound.get(d);
          if (bound !== undefined && bound !== given[i]) throw new LatheError(`${what}: '${d}' is ${given[i]} here and ${bound} in another input`);
          rebound.set(d, given[i]);
        }
      });
    }
    // the rank is checked above, so per-dim denotations still line up
    newTypes.set(id, { ...(t ?? { kind: 'tensor', dtype: 0 }), kind: 'tensor', shape: [...given] });
  }
  const rebind = (t: Type | undefined): Type | undefined => {
    if (t?.kind !== 'tensor' || t.shape === undefined || !t.shape.some((d) => typeof d === 'string' && rebound.has(d))) return t;
    return { ...t, shape: t.shape.map((d) => (typeof d === 'string' ? (rebound.get(d) ?? d) : d)) };
  };
  // A symbol fixed to a size in one given shape is that size in the others too (symbol-to-symbol
  // renames are not applied to given shapes: `p=b,a` over `[a,b]` means what it says).
  const fixedSize = (t: Type): Type => {
    if (t.kind !== 'tensor' || !t.shape?.some((d) => typeof d === 'string' && typeof rebound.get(d) === 'number')) return t;
    return { ...t, shape: t.shape.map((d) => (typeof d === 'string' && typeof rebound.get(d) === 'number' ? (rebound.get(d) as number) : d)) };
  };
  const values = { ...g.values };
  for (const id of [...g.inputs, ...g.outputs]) {
    const v = values[id];
    if (v === undefined) continue;
    const given = newTypes.get(id);
    const type = given ? fixedSize(given) : rebind(v.type);
    if (type !== v.type) values[id] = { ...v, type };
  }
  const outputInfo = g.outputInfo?.map((info) => {
    if (info === null) return null;
    const type = rebind(info.type);
    return type === info.type ? info : { ...info, type };
  });
  return { ...model, graph: { ...g, values, ...(outputInfo && { outputInfo }) } };
}

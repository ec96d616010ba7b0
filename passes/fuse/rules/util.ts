/** Helpers shared by the fuse rules. */
import type { TensorValue } from '../../../ir/ops/types.js';
import type { Attr, Node, ValueId } from '../../../ir/types.js';
import { fail, type Fail, type GraphView, type MatchContext } from '../../../src/pattern/index.js';
import { intsAttr, intsOf } from '../../simplify-algebra/axes.js';

/** A constant test: one element (any rank of size 1), within a relative `tol` of `value` (float32 spellings of 1/√2, √(2/π) …). */
export function near(value: number, tol = 1e-6): ((t: TensorValue) => boolean) & { readonly example: number } {
  const test = (t: TensorValue) => {
    if (Array.isArray(t.data) || t.data.length !== 1) return false;
    const v = Number(t.data[0]);
    return Math.abs(v - value) <= tol * Math.max(1, Math.abs(value));
  };
  // The example lets generators (arbModel's `around`) plant a constant that passes.
  return Object.assign(test, { example: value });
}

export const attrOf = (n: Node, name: string): Attr | undefined => n.attrs.find((a) => a.name === name);

export function floatAttr(n: Node, name: string, dflt: number): number {
  const a = attrOf(n, name);
  return a?.kind === 'float' ? a.value : dflt;
}

export function intAttr(n: Node, name: string, dflt: number): number {
  const a = attrOf(n, name);
  return a?.kind === 'int' ? Number(a.value) : dflt;
}

/** The axes of a reduction node (attribute before opset 18, else its second input when constant). */
export function reduceAxes(n: Node, view: GraphView): number[] | undefined {
  const attr = attrOf(n, 'axes');
  if (attr) return intsAttr(attr.kind === 'ints' ? attr.value : undefined);
  const input = n.inputs[1];
  return input ? intsOf(view.constant(input)) : undefined;
}

export const FLOATS = new Set([1, 10, 11, 16]);

/** The rank of a value when known. */
export const rankOf = (view: GraphView, v: ValueId): number | undefined => view.shape(v)?.length;

/**
 * The matched root's output has the rank of `x` (the fused op's output is x-shaped), or why not: a
 * one-element constant of higher rank in the written-out form (a [1,1,1] ½ on a 2-D x) broadcasts
 * the result to more dims, which the fused op would drop. Where inference does not know both
 * ranks, the match's constants decide: none of higher rank than x, and only scalars when x's rank
 * is unknown (x may be a scalar, which a [1] constant turns into a [1] result).
 */
export function keepsRank(ctx: MatchContext, x: ValueId): true | Fail {
  const { view, root } = ctx;
  const r = rankOf(view, x);
  const y = root.outputs[0];
  const out = y ? rankOf(view, y) : undefined;
  if (r !== undefined && out !== undefined) return out === r ? true : fail('a constant of higher rank broadcasts the result to more dims');
  for (const n of ctx.nodes) {
    for (const v of n.inputs) {
      if (v === null || !view.isConstant(v)) continue;
      const s = view.shape(v);
      if (s === undefined || s.length > (r ?? 0)) return fail('a constant of higher rank may broadcast the result to more dims');
    }
  }
  return true;
}

/**
 * Attribute decodings the kernels and the inference rules share: operands that older opsets
 * gave as attributes and newer ones as inputs (Slice's starts/ends/axes before opset 10, Split's
 * sizes, Pad's pads, Reshape's shape, the axes of Squeeze/Unsqueeze and the reductions, TopK's
 * K) and the axis of Concat. Each function says, for the node's opset, where each operand comes
 * from; the kernel then reads an `input` operand from its tensor, the rule from what is known.
 *
 * `present(i)` tells whether input i is given (a kernel: the value is not null; a rule: something
 * is known about it).
 */
import type { DecodeContext, IntsOperand } from './types.js';

export type { DecodeContext, IntsOperand } from './types.js';

const ABSENT: IntsOperand = { from: 'absent' };

function attr(ctx: DecodeContext, name: string): IntsOperand {
  return ctx.attrs.has(name) ? { from: 'attr', value: ctx.attrs.ints(name) } : ABSENT;
}

function inputOp(index: number, present: (i: number) => boolean): IntsOperand {
  return present(index) ? { from: 'input', index } : ABSENT;
}

/** Before `inputFrom` the attribute `name` (required when `required`), from it input `index`. */
function attrThenInput(ctx: DecodeContext, name: string, inputFrom: number, index: number, present: (i: number) => boolean, required = false): IntsOperand {
  if (ctx.opset >= inputFrom) return inputOp(index, present);
  return required ? { from: 'attr', value: ctx.attrs.ints(name) } : attr(ctx, name);
}

/** Slice: starts, ends, axes from attributes before opset 10; from inputs 1–4 (with steps) after. */
export function sliceOperands(ctx: DecodeContext, present: (i: number) => boolean): { starts: IntsOperand; ends: IntsOperand; axes: IntsOperand; steps: IntsOperand } {
  if (ctx.opset < 10) {
    return { starts: { from: 'attr', value: ctx.attrs.ints('starts') }, ends: { from: 'attr', value: ctx.attrs.ints('ends') }, axes: attr(ctx, 'axes'), steps: ABSENT };
  }
  return { starts: { from: 'input', index: 1 }, ends: { from: 'input', index: 2 }, axes: inputOp(3, present), steps: inputOp(4, present) };
}

/** Split sizes: input 1 from opset 13; before, the `split` attribute, or (opset 1) input 1. */
export function splitOperand(ctx: DecodeContext, present: (i: number) => boolean): IntsOperand {
  if (ctx.opset >= 13) return inputOp(1, present);
  if (ctx.attrs.has('split')) return attr(ctx, 'split');
  return ctx.opset < 2 ? inputOp(1, present) : ABSENT;
}

/** Pad: `paddings` (opset 1) or `pads` attributes before opset 11, input 1 after; axes (input 3) from 18. */
export function padOperands(ctx: DecodeContext, present: (i: number) => boolean): { pads: IntsOperand; axes: IntsOperand } {
  if (ctx.opset < 11) return { pads: { from: 'attr', value: ctx.attrs.ints(ctx.opset < 2 ? 'paddings' : 'pads') }, axes: ABSENT };
  return { pads: { from: 'input', index: 1 }, axes: ctx.opset >= 18 ? inputOp(3, present) : ABSENT };
}

/** Reshape's target shape: the `shape` attribute before opset 5, input 1 after. */
export function reshapeOperand(ctx: DecodeContext): IntsOperand {
  return ctx.opset < 5 ? { from: 'attr', value: ctx.attrs.ints('shape') } : { from: 'input', index: 1 };
}

/** Squeeze's optional axes: attribute before opset 13, input 1 after. */
export function squeezeAxes(ctx: DecodeContext, present: (i: number) => boolean): IntsOperand {
  return attrThenInput(ctx, 'axes', 13, 1, present);
}

/** Unsqueeze's axes (required): attribute before opset 13, input 1 after. */
export function unsqueezeAxes(ctx: DecodeContext): IntsOperand {
  return ctx.opset < 13 ? { from: 'attr', value: ctx.attrs.ints('axes') } : { from: 'input', index: 1 };
}

/** A reduction's optional axes: attribute before `inputFrom` (13 for ReduceSum, 18 for the rest), input 1 after. */
export function reduceAxes(ctx: DecodeContext, inputFrom: number, present: (i: number) => boolean): IntsOperand {
  return attrThenInput(ctx, 'axes', inputFrom, 1, present);
}

/** TopK's K: the `k` attribute before opset 10, the one-element input 1 after. */
export function topkK(ctx: DecodeContext): IntsOperand {
  return ctx.opset < 10 ? { from: 'attr', value: [ctx.attrs.int('k')] } : { from: 'input', index: 1 };
}

/** Concat's axis: optional (default 1) before opset 4, required after. */
export function concatAxis(ctx: DecodeContext): number {
  return ctx.opset < 4 ? ctx.attrs.int('axis', 1) : ctx.attrs.int('axis');
}

/** Reshape's `allowzero` (opset 14+; before, a 0 always copies the input's dim). */
export function reshapeAllowzero(ctx: DecodeContext): boolean {
  return ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) !== 0;
}

/** GatherND's `batch_dims` (opset 12+, else 0). */
export function gatherNDBatchDims(ctx: DecodeContext): number {
  return ctx.opset >= 12 ? ctx.attrs.int('batch_dims', 0) : 0;
}

/**
 * DFT's axis: the `axis` attribute (default 1) at opset 17; from opset 20 the one-element input 2,
 * or −2 when it is omitted (given here as a ready value).
 */
export function dftAxis(ctx: DecodeContext, present: (i: number) => boolean): IntsOperand {
  if (ctx.opset < 20) return { from: 'attr', value: [ctx.attrs.int('axis', 1)] };
  return present(2) ? { from: 'input', index: 2 } : { from: 'attr', value: [-2] };
}

/**
 * Sequence and optional values: Sequence* ops, SplitToSequence, ConcatFromSequence, SequenceMap,
 * Optional, OptionalHasElement, OptionalGetElement. Sequences are immutable arrays of tensors;
 * every op returns a new SequenceValue.
 */
import { LatheError } from '../../error.js';
import { DataType as D, dtypeName } from '../../dtype.js';
import type { Type } from '../../types.js';
import type { OpDef, OpTable, RtValue, SequenceValue, TensorValue } from '../types.js';
import { asTensor, normAxis, toNumbers } from '../util.js';
import { concatAxis, elemDtypeOf, int64Scalar, scalarInt, sliceAxis } from './common.js';

function asSequence(v: RtValue | null | undefined, what: string): SequenceValue {
  if (!v || v.kind !== 'sequence') throw new LatheError(`${what}: expected a sequence`);
  return v;
}

function seq(items: readonly RtValue[], elemDtype: number | undefined): SequenceValue {
  return elemDtype === undefined ? { kind: 'sequence', items } : { kind: 'sequence', elemDtype, items };
}

/** A position input (scalar int32/int64) normalized against `len`; `allowEnd` admits `len`. */
function position(v: RtValue | null | undefined, len: number, allowEnd: boolean, op: string): number {
  const p = scalarInt(v, `${op}: position`);
  const q = p < 0 ? p + len : p;
  if (q < 0 || q > len || (!allowEnd && q === len)) throw new LatheError(`${op}: position ${p} is out of range for a sequence of ${len}`);
  return q;
}

function checkDtype(seqV: SequenceValue, t: TensorValue, op: string): void {
  const e = seqV.elemDtype ?? elemDtypeOf(seqV.items[0]);
  if (e !== undefined && e !== t.dtype) throw new LatheError(`${op}: tensor dtype ${dtypeName(t.dtype)} differs from the sequence's ${dtypeName(e)}`);
}

const sequenceEmpty: OpDef = {
  domain: '',
  name: 'SequenceEmpty',
  since: [11],
  kernel(_inputs, ctx) {
    return [seq([], ctx.attrs.int('dtype', D.FLOAT))];
  },
};

const sequenceConstruct: OpDef = {
  domain: '',
  name: 'SequenceConstruct',
  since: [11],
  kernel(inputs) {
    const items = inputs.map((v, i) => asTensor(v, `SequenceConstruct: input ${i}`));
    if (items.length === 0) throw new LatheError('SequenceConstruct: needs at least one input');
    for (const t of items) if (t.dtype !== items[0].dtype) throw new LatheError('SequenceConstruct: inputs have different dtypes');
    return [seq(items, items[0].dtype)];
  },
};

const sequenceInsert: OpDef = {
  domain: '',
  name: 'SequenceInsert',
  since: [11],
  kernel(inputs) {
    const s = asSequence(inputs[0], 'SequenceInsert: input_sequence');
    const t = asTensor(inputs[1], 'SequenceInsert: tensor');
    checkDtype(s, t, 'SequenceInsert');
    const at = inputs[2] ? position(inputs[2], s.items.length, true, 'SequenceInsert') : s.items.length;
    const items = s.items.slice();
    items.splice(at, 0, t);
    return [seq(items, t.dtype)];
  },
};

const sequenceErase: OpDef = {
  domain: '',
  name: 'SequenceErase',
  since: [11],
  kernel(inputs) {
    const s = asSequence(inputs[0], 'SequenceErase: input_sequence');
    const len = s.items.length;
    const at = inputs[1] ? position(inputs[1], len, false, 'SequenceErase') : len - 1;
    if (at < 0) throw new LatheError('SequenceErase: the sequence is empty');
    const items = s.items.slice();
    items.splice(at, 1);
    return [seq(items, s.elemDtype ?? elemDtypeOf(s.items[0]))];
  },
};

const sequenceAt: OpDef = {
  domain: '',
  name: 'SequenceAt',
  since: [11],
  kernel(inputs) {
    const s = asSequence(inputs[0], 'SequenceAt: input_sequence');
    return [s.items[position(inputs[1], s.items.length, false, 'SequenceAt')]];
  },
};

const sequenceLength: OpDef = {
  domain: '',
  name: 'SequenceLength',
  since: [11],
  kernel(inputs) {
    return [int64Scalar(asSequence(inputs[0], 'SequenceLength: input_sequence').items.length)];
  },
};

const splitToSequence: OpDef = {
  domain: '',
  name: 'SplitToSequence',
  since: [11, 24],
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'SplitToSequence: input');
    const rank = x.dims.length;
    const axis = normAxis(ctx.attrs.int('axis', 0), rank, 'SplitToSequence: axis');
    const size = x.dims[axis];
    const items: TensorValue[] = [];
    if (!inputs[1]) {
      const keep = ctx.attrs.int('keepdims', 1) !== 0;
      for (let i = 0; i < size; i++) {
        const part = sliceAxis(x, axis, i, 1);
        items.push(keep ? part : { ...part, dims: x.dims.filter((_, a) => a !== axis) });
      }
      return [seq(items, x.dtype)];
    }
    const splitT = asTensor(inputs[1], 'SplitToSequence: split');
    const split = toNumbers(splitT, 'SplitToSequence: split');
    if (splitT.dims.length === 0) {
      const chunk = split[0];
      if (!(chunk > 0)) throw new LatheError(`SplitToSequence: split ${chunk} must be positive`);
      for (let at = 0; at < size; at += chunk) items.push(sliceAxis(x, axis, at, Math.min(chunk, size - at)));
      return [seq(items, x.dtype)];
    }
    if (split.some((s) => !(s >= 0))) throw new LatheError('SplitToSequence: split entries must be >= 0');
    const total = split.reduce((a, b) => a + b, 0);
    if (total !== size) throw new LatheError(`SplitToSequence: split sums to ${total}, axis ${axis} has ${size}`);
    let at = 0;
    for (const s of split) {
      items.push(sliceAxis(x, axis, at, s));
      at += s;
    }
    return [seq(items, x.dtype)];
  },
};

const concatFromSequence: OpDef = {
  domain: '',
  name: 'ConcatFromSequence',
  since: [11],
  kernel(inputs, ctx) {
    const s = asSequence(inputs[0], 'ConcatFromSequence: input_sequence');
    const parts = s.items.map((v, i) => asTensor(v, `ConcatFromSequence: item ${i}`));
    if (parts.length === 0) throw new LatheError('ConcatFromSequence: the sequence is empty');
    const newAxis = ctx.attrs.int('new_axis', 0) !== 0;
    const rank = parts[0].dims.length + (newAxis ? 1 : 0);
    const axis = normAxis(ctx.attrs.int('axis'), rank, 'ConcatFromSequence: axis');
    return [concatAxis(parts, axis, newAxis, 'ConcatFromSequence')];
  },
};

const sequenceMap: OpDef = {
  domain: '',
  name: 'SequenceMap',
  since: [17],
  kernel(inputs, ctx) {
    const body = ctx.attrs.graph('body');
    if (!body) throw new LatheError("SequenceMap: attribute 'body' (graph) is missing");
    const first = asSequence(inputs[0], 'SequenceMap: input_sequence');
    const len = first.items.length;
    for (const v of inputs) {
      if (v && v.kind === 'sequence' && v.items.length !== len) {
        throw new LatheError(`SequenceMap: sequences have different lengths (${len} and ${v.items.length})`);
      }
    }
    const nOut = ctx.node.outputs.length;
    const outs: RtValue[][] = Array.from({ length: nOut }, () => []);
    for (let i = 0; i < len; i++) {
      const args = inputs.map((v) => (v && v.kind === 'sequence' ? v.items[i] : v));
      const r = ctx.runGraph(body, args);
      if (r.length !== nOut) throw new LatheError(`SequenceMap: body produced ${r.length} outputs, expected ${nOut}`);
      r.forEach((v, j) => outs[j].push(v));
    }
    return outs.map((items, j) => seq(items, elemDtypeOf(items[0]) ?? ctx.outputDtypes[j]));
  },
};

/** The element type code an Optional's `type` attribute names (tensor dtype, or a sequence's). */
function typeElemDtype(t: Type | undefined): number | undefined {
  if (!t) return undefined;
  if (t.kind === 'tensor' || t.kind === 'sparse') return t.dtype || undefined;
  if (t.kind === 'sequence' || t.kind === 'optional') return typeElemDtype(t.elem);
  return undefined;
}

const optional: OpDef = {
  domain: '',
  name: 'Optional',
  since: [15],
  kernel(inputs, ctx) {
    const v = inputs[0] ?? null;
    if (v) return [{ kind: 'optional', elemDtype: elemDtypeOf(v), value: v }];
    const attr = ctx.attrs.get('type');
    if (!attr || attr.kind !== 'type') throw new LatheError("Optional: without an input the 'type' attribute is required");
    const elemDtype = typeElemDtype(attr.value);
    return [elemDtype === undefined ? { kind: 'optional', value: null } : { kind: 'optional', elemDtype, value: null }];
  },
};

const optionalHasElement: OpDef = {
  domain: '',
  name: 'OptionalHasElement',
  since: [15, 18],
  kernel(inputs) {
    const v = inputs[0] ?? null;
    const has = v === null ? false : v.kind === 'optional' ? v.value !== null : true;
    return [{ kind: 'tensor', dtype: D.BOOL, dims: [], data: Uint8Array.of(has ? 1 : 0) }];
  },
};

const optionalGetElement: OpDef = {
  domain: '',
  name: 'OptionalGetElement',
  since: [15, 18],
  kernel(inputs, ctx) {
    const v = inputs[0] ?? null;
    if (v === null) throw new LatheError('OptionalGetElement: input is missing');
    if (v.kind !== 'optional') {
      if (ctx.opset < 18) throw new LatheError('OptionalGetElement: input must be an optional before opset 18');
      return [v];
    }
    if (v.value === null) throw new LatheError('OptionalGetElement: the optional is empty');
    return [v.value];
  },
};

export const sequenceOps: OpTable = [
  sequenceEmpty, sequenceConstruct, sequenceInsert, sequenceErase, sequenceAt, sequenceLength,
  splitToSequence, concatFromSequence, sequenceMap, optional, optionalHasElement, optionalGetElement,
];

/**
 * Convolutions:
 *   Conv(Pad(x, p; constant 0), W, …) = Conv(x, W, …; pads += p)
 *   AveragePool(Pad(x, p; constant 0); count_include_pad=1) = AveragePool(x; pads += p)
 * when the Pad pads only spatial dims, by non-negative amounts, with zeros (mode constant), and the
 * consumer does not choose its own padding (auto_pad NOTSET). An AveragePool that excludes pads
 * from its count would divide by another number: it is left alone. So is one whose merged pads
 * would change its windows or fail to load (poolKeeps).
 */
import type { Node } from '../../../ir/types.js';
import { P, fail, op, rule, type Fail, type GraphView, type Rule } from '../../../src/pattern/index.js';
import { intsAttr, intsOf } from '../../simplify-algebra/axes.js';
import { attrOf, intAttr } from './util.js';

const [x] = P.vars('x');

/** The Pad's amounts as [begins…, ends…] over all dims, or why it cannot be merged. */
function padAmounts(pad: Node, view: GraphView): number[] | Fail {
  const mode = attrOf(pad, 'mode');
  if (mode && !(mode.kind === 'string' && mode.value === 'constant')) return fail('the Pad mode is not constant');
  let pads: number[] | undefined;
  const attr = attrOf(pad, 'pads');
  if (attr) {
    pads = intsAttr(attr.kind === 'ints' ? attr.value : undefined);
    const value = attrOf(pad, 'value');
    if (value && !(value.kind === 'float' && value.value === 0)) return fail('the Pad value is not 0');
  } else {
    pads = pad.inputs[1] ? intsOf(view.constant(pad.inputs[1])) : undefined;
    const value = pad.inputs[2];
    if (value) {
      const v = view.constant(value);
      if (!v || v.data.length !== 1 || Number(v.data[0]) !== 0) return fail('the Pad value is not a constant 0');
    }
    if (pad.inputs[3]) return fail('the Pad names axes');
  }
  if (!pads) return fail('the pads are not constant');
  if (pads.some((p) => p < 0)) return fail('the Pad crops (negative pads)');
  return pads;
}

/** The consumer's pads with the Pad's spatial pads added, or why not. */
function mergedPads(consumer: Node, pads: number[]): bigint[] | Fail {
  const r = pads.length / 2;
  const autoPad = attrOf(consumer, 'auto_pad');
  if (autoPad && !(autoPad.kind === 'string' && autoPad.value === 'NOTSET')) return fail('the consumer chooses its own padding (auto_pad)');
  if (pads[0] !== 0 || pads[1] !== 0 || pads[r] !== 0 || pads[r + 1] !== 0) return fail('the Pad pads the batch or channel dim');
  const s = r - 2;
  const given = attrOf(consumer, 'pads');
  const own = given ? intsAttr(given.kind === 'ints' ? given.value : undefined) : new Array<number>(2 * s).fill(0);
  if (!own || own.length !== 2 * s) return fail('the consumer pads another number of dims');
  return own.map((p, i) => BigInt(p + (i < s ? pads[2 + i] : pads[r + 2 + (i - s)])));
}

/**
 * The AveragePool keeps its windows with the merged pads, and still loads. Under ceil_mode a window
 * starting in the end padding is dropped (onnxruntime, lathe's evaluator) where one in the Pad's zeros
 * was not: [1,1,5,5] padded by 2 at the end, pooled 3×3 by 3, gives [1,1,3,3] and merged
 * [1,1,2,2]. Pads at the beginning shift every window alike. onnxruntime refuses a pool whose
 * pads are not smaller than its kernel ("Pad should be smaller than kernel").
 */
function poolKeeps(pool: Node, pads: number[], merged: bigint[]): bigint[] | Fail {
  const r = pads.length / 2;
  if (intAttr(pool, 'ceil_mode', 0) !== 0 && pads.slice(r + 2).some((p) => p !== 0)) return fail('under ceil_mode the Pad\'s end pads would drop the last windows');
  const k = attrOf(pool, 'kernel_shape');
  const kernel = k?.kind === 'ints' ? k.value : undefined;
  const s = r - 2;
  if (kernel?.length !== s || merged.some((p, i) => p >= kernel[i % s])) return fail('the merged pads would not be smaller than the kernel (onnxruntime refuses the pool)');
  return merged;
}

function padInto(consumer: 'Conv' | 'AveragePool'): Rule {
  const inner = op.Pad(x, P.rest()).as('pad');
  const pattern = consumer === 'Conv' ? op.Conv(inner, P.rest()).as('consumer') : op.AveragePool(inner).as('consumer');
  return rule(
    `pad-into-${consumer === 'Conv' ? 'conv' : 'average-pool'}`,
    pattern,
    (m, emit, pads: bigint[]) => {
      const c = m.consumer;
      const attrs = [...c.attrs.filter((a) => a.name !== 'pads' && a.name !== 'auto_pad'), { name: 'pads', kind: 'ints' as const, value: pads }];
      return emit.op(c.op, [m.x, ...c.inputs.slice(1)], attrs);
    },
    {
      check: (m, g) => {
        if (consumer === 'AveragePool' && intAttr(m.consumer, 'count_include_pad', 0) !== 1) return fail('AveragePool excludes pads from its count');
        const pads = padAmounts(m.pad, g.view);
        if (!Array.isArray(pads)) return pads;
        const merged = mergedPads(m.consumer, pads);
        return consumer === 'AveragePool' && Array.isArray(merged) ? poolKeeps(m.consumer, pads, merged) : merged;
      },
    },
  );
}

export const convRules: readonly Rule[] = [padInto('Conv'), padInto('AveragePool')];

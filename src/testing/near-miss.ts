/**
 * Near misses of a generated model: the same spec with one small change. A pass bug that ignores
 * a condition (an axis, a flag, a broadcast layout) shows only on a model where the pattern is
 * there but the condition is not met; random draws rarely give both. So `checkPass` takes every
 * spec the pass acted on and tries variants of it around the steps whose nodes the pass changed:
 * one bit of such a step's knob flipped (the knob picks axes, perms, flags and the generator's own
 * near-miss forms) or one input dim moved by one (a layout that only coincides at some sizes). A
 * correct pass declines most of them and costs a pass run each; a pass that ignores the condition
 * acts on one and is caught there.
 */
import { countSteps, type ModelSpec, type Step } from './arb-model.js';

/** Bits of a step's knob (`k` is drawn below 2^12). */
const KNOB_BITS = 12;

/** `steps` with the `i`-th step in pre-order (bodies after their step) replaced by `f(step)`. */
function mapStep(steps: readonly Step[], i: number, f: (s: Step) => Step): { steps: Step[]; rest: number } {
  const out: Step[] = [];
  let rest = i;
  for (const s of steps) {
    if (rest < 0) {
      out.push(s);
      continue;
    }
    if (rest === 0) {
      out.push(f(s));
      rest = -1;
      continue;
    }
    rest -= 1;
    let step = s;
    for (const side of ['then', 'else'] as const) {
      const body = step[side];
      if (!body || rest < 0) continue;
      const r = mapStep(body, rest, f);
      step = { ...step, [side]: r.steps };
      rest = r.rest;
    }
    out.push(step);
  }
  return { steps: out, rest };
}

/** One near miss: a knob bit of a step (pre-order index) flipped, or an input dim moved by one. */
export type Variant = { readonly step: number; readonly bit: number } | { readonly input: number; readonly dim: number; readonly by: 1 | -1 };

/**
 * The near misses of `spec` around `steps` (pre-order indexes, e.g. the steps that made the nodes
 * a pass changed): every knob bit of each, then every input dim one larger and one smaller
 * (within 1..maxDim).
 */
export function nearMissesOf(spec: ModelSpec, steps: Iterable<number>, maxDim: number): Variant[] {
  const out: Variant[] = [];
  const total = countSteps(spec.steps);
  for (const step of new Set(steps)) {
    if (step < 0 || step >= total) continue;
    for (let bit = 0; bit < KNOB_BITS; bit++) out.push({ step, bit });
  }
  spec.inputs.forEach((inp, input) =>
    inp.dims.forEach((d, dim) => {
      if (d + 1 <= maxDim) out.push({ input, dim, by: 1 });
      if (d - 1 >= 1) out.push({ input, dim, by: -1 });
    }),
  );
  return out;
}

/** `spec` with `v` applied. */
export function applyVariant(spec: ModelSpec, v: Variant): ModelSpec {
  if ('step' in v) return { ...spec, steps: mapStep(spec.steps, v.step, (s) => ({ ...s, k: s.k ^ (1 << v.bit) })).steps };
  return { ...spec, inputs: spec.inputs.map((inp, i) => (i !== v.input ? inp : { ...inp, dims: inp.dims.map((d, j) => (j === v.dim ? d + v.by : d)) })) };
}

/**
 * The `i`-th near miss to try of `spec`: a hash of the spec and `i` (FNV-1a over its JSON), so the
 * same spec always gets the same variants — while fast-check shrinks a failing run by dropping
 * other candidates, the variant that failed stays in it.
 */
export function nearMissPick(spec: ModelSpec, i: number): number {
  const text = `${JSON.stringify(spec)}#${i}`;
  let h = 0x811c9dc5;
  for (let j = 0; j < text.length; j++) {
    h ^= text.charCodeAt(j);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

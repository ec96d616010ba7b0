/**
 * Every golden case computes the same before and after its pipeline: the input and the expected
 * model run in lathe's evaluator on the same seeded inputs (symbolic dims bound to 2, and to 1,
 * consistently per symbol; a binding the input model itself cannot run with, such as an Expand
 * valid only for N = 1, is passed over, but one binding must run) and their outputs must agree
 * within float rounding (|a − b| ≤ 1e-5 + 1e-4·|b|;
 * integers and booleans exactly; NaN where NaN). A golden file that a pass got wrong in a way that
 * reads plausibly fails here, and so does an input model that cannot run at all.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../ir/error.js';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../ir/eval/index.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { goldenFolders } from './support/golden.js';

function feeds(model: Model, symbolSize: number): Record<string, RtValue> {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const out: Record<string, RtValue> = {};
  let seed = 1;
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const t = v.type;
    if (!t || t.kind !== 'tensor' || !t.shape) throw new Error(`input ${v.name}: needs a tensor type with a shape`);
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : symbolSize));
    const n = dims.reduce((p, d) => p * d, 1);
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let data: TensorValue['data'];
    switch (t.dtype) {
      case 9: data = Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0)); break;
      case 7: data = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 3))); break;
      case 6: data = Int32Array.from({ length: n }, () => Math.floor(next() * 3)); break;
      case 11: data = Float64Array.from({ length: n }, () => next() * 4 - 2); break;
      default: data = Float32Array.from({ length: n }, () => next() * 4 - 2);
    }
    out[v.name ?? id] = { kind: 'tensor', dtype: t.dtype, dims, data };
  }
  return out;
}

function agree(a: RtValue, b: RtValue): string | undefined {
  if (a.kind !== 'tensor' || b.kind !== 'tensor') return JSON.stringify(a) === JSON.stringify(b) ? undefined : 'non-tensor outputs differ';
  if (a.dtype !== b.dtype) return `dtype ${a.dtype} vs ${b.dtype}`;
  if (a.dims.join() !== b.dims.join()) return `dims [${a.dims}] vs [${b.dims}]`;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    const y = b.data[i];
    if (typeof x !== 'number' || typeof y !== 'number') {
      if (x !== y) return `element ${i}: ${x} vs ${y}`;
      continue;
    }
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!(Math.abs(x - y) <= 1e-5 + 1e-4 * Math.abs(y))) return `element ${i}: ${x} vs ${y}`;
  }
  return undefined;
}

// Folders whose inputs are invalid on purpose (`input-accepts.txt`: topo-sort's out-of-order
// inputs) cannot run as written; their expected files are still checked by the golden runner.
const cases = goldenFolders()
  .filter((f) => !existsSync(join(f.dir, 'input-accepts.txt')))
  .flatMap((f) => f.cases)
  .filter((c) => existsSync(c.expectedFile));

describe('golden cases compute the same before and after', () => {
  it('finds the cases', () => expect(cases.length).toBeGreaterThan(20));
  it.each(cases.map((c) => [`${c.folder}/${c.name}`, c] as const))('%s', (_label, c) => {
    const input = parseModel(readFileSync(c.inputFile, 'utf8'));
    const expected = parseModel(readFileSync(c.expectedFile, 'utf8'));
    let ran = 0;
    for (const size of [2, 1]) {
      const f = feeds(input, size);
      let before: Map<string, RtValue>;
      try {
        before = evaluate(input, f);
      } catch (e) {
        if (e instanceof LatheError) continue;
        throw e;
      }
      ran++;
      const after = evaluate(expected, f);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [name, v] of before) expect(agree(after.get(name)!, v), `output ${name} (symbols = ${size})`).toBeUndefined();
    }
    expect(ran, 'the input model runs with at least one binding of its symbols').toBeGreaterThan(0);
  });
});

/**
 * The ONNX node conformance cases of the nn family, run directly on its kernels (no evaluator):
 * every single-node case whose op this family defines must match the expected outputs
 * (rtol 1e-3; 1e-2 for float16/bfloat16/float8 outputs), except the random training-mode
 * Dropout cases, which must at least produce the expected shapes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../blob.js';
import { DataType as D } from '../../dtype.js';
import { decodeTensor } from '../../onnx/decode.js';
import { liftTensor } from '../../onnx/lift-tensor.js';
import { loadModelFromBytes } from '../../../src/io.js';
import { testContext } from '../test-util.js';
import { roundArrayInPlace } from '../float-formats.js';
import { tensorValue } from '../tensor-value.js';
import { ops } from '../nn.js';
import type { OpDef, RtValue, TensorValue } from '../types.js';
import { WIDENED_FLOATS } from '../util.js';
import { nodeTestsDir } from '../../../test/support/shared.js';

const NODE_DIR = nodeTestsDir;

function readPb(path: string): TensorValue {
  const proto = decodeTensor(memorySource(new Uint8Array(readFileSync(path))));
  return tensorValue(liftTensor(proto, path, undefined));
}

interface CaseResult {
  ok: boolean;
  message: string;
}

function close(dtype: number, got: TensorValue, want: TensorValue, rtol: number, atol: number): string | null {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype} != ${want.dtype}`;
  if (got.dims.join(',') !== want.dims.join(',')) return `dims [${got.dims}] != [${want.dims}]`;
  const g = got.data as ArrayLike<number | bigint>, w = want.data as ArrayLike<number | bigint>;
  if (g.length !== w.length) return `length ${g.length} != ${w.length}`;
  const isF = dtype === D.FLOAT || dtype === D.DOUBLE || WIDENED_FLOATS.has(dtype);
  for (let i = 0; i < g.length; i++) {
    if (!isF) {
      if (g[i] !== w[i]) return `[${i}] ${g[i]} != ${w[i]}`;
      continue;
    }
    const a = Number(g[i]), b = Number(w[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) return `[${i}] ${a} != ${b}`;
  }
  return null;
}

/** Runs one case; `ops` is the family table. Only single-node graphs are supported. */
function runCase(name: string, table: readonly OpDef[], shapesOnly = false, rtol = 1e-3, atol = 1e-5): CaseResult {
  const dir = `${NODE_DIR}/${name}`;
  const model = loadModelFromBytes(new Uint8Array(readFileSync(`${dir}/model.onnx`)));
  const g = model.graph;
  if (g.order.length !== 1) return { ok: false, message: `${g.order.length} nodes` };
  const node = g.nodes[g.order[0]];
  const def = table.find((o) => o.name === node.op && o.domain === node.domain);
  if (!def) return { ok: false, message: `no kernel for ${node.op}` };
  const opset = model.opsets.find((o) => o.domain === node.domain)?.version ?? 1;
  const outputDtypes = node.outputs.map((o) => {
    const t = o === null ? undefined : g.values[o]?.type;
    return t && t.kind === 'tensor' ? t.dtype : undefined;
  });
  const ctx = testContext(node, opset, { outputDtypes, seed: 1 });
  const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  for (const s of sets) {
    const vals = new Map<string, RtValue>();
    for (const id of g.initializers) {
      const v = g.values[id];
      if (v.tensor) vals.set(id, tensorValue(v.tensor));
    }
    const formal = g.inputs.filter((id) => !vals.has(id));
    formal.forEach((id, k) => {
      const p = `${dir}/${s}/input_${k}.pb`;
      if (existsSync(p)) vals.set(id, readPb(p));
    });
    const ins = node.inputs.map((id) => (id === null ? null : vals.get(id) ?? null));
    const outs = def.kernel(ins, ctx);
    for (let k = 0; k < g.outputs.length; k++) {
      const idx = node.outputs.indexOf(g.outputs[k]);
      const want = readPb(`${dir}/${s}/output_${k}.pb`);
      const got = outs[idx];
      if (!got || got.kind !== 'tensor') return { ok: false, message: `output ${k} missing` };
      let gotT = got;
      if (WIDENED_FLOATS.has(want.dtype) && got.data instanceof Float32Array) {
        const copy = new Float32Array(got.data);
        roundArrayInPlace(want.dtype, copy);
        gotT = { ...got, data: copy };
      }
      if (shapesOnly) {
        if (gotT.dims.join() !== want.dims.join() || gotT.dtype !== want.dtype) return { ok: false, message: `${s} output ${k}: shape/dtype differ` };
        continue;
      }
      const wide = WIDENED_FLOATS.has(want.dtype);
      const err = close(want.dtype, gotT, want, wide ? Math.max(rtol, 1e-2) : rtol, wide ? Math.max(atol, 1e-2) : atol);
      if (err) return { ok: false, message: `${s} output ${k}: ${err}` };
    }
  }
  return { ok: true, message: '' };
}

/** Case names matching `re` (excluding function-expanded variants). */
function casesMatching(re: RegExp): string[] {
  return readdirSync(NODE_DIR).filter((n) => re.test(n) && !n.includes('_expanded')).sort();
}

const RANDOM = /^test_training_dropout(?!_zero_ratio)/;

describe('nn node conformance cases (kernels alone)', () => {
  const names = new Set(ops.map((o) => o.name));
  const all = existsSync(NODE_DIR) ? casesMatching(/^test_/) : [];
  const mine = all.filter((c) => {
    const model = loadModelFromBytes(new Uint8Array(readFileSync(`${NODE_DIR}/${c}/model.onnx`)));
    const g = model.graph;
    return g.order.length === 1 && names.has(g.nodes[g.order[0]].op) && g.nodes[g.order[0]].domain === '';
  });
  it('finds the cases', () => {
    expect(mine.length).toBeGreaterThan(500);
  });
  it('passes every case', () => {
    const failures: string[] = [];
    for (const c of mine) {
      try {
        const r = runCase(c, ops, RANDOM.test(c));
        if (!r.ok) failures.push(`${c}: ${r.message}`);
      } catch (e) {
        failures.push(`${c}: threw ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

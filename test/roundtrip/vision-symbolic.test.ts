/**
 * Symbolic image sizes against onnxruntime: each corpus vision classifier, filled with weights in
 * process (src/skeleton.ts fillModel) and given symbolic `H` and `W`, is inferred once; then every
 * node output becomes a graph output and onnxruntime-node runs it at sizes that are neither square
 * nor multiples of the strides (the probe declares the inferred types, so onnxruntime also loads
 * the expressions as dim_params). Every dim inference states (numbers and floor-division expressions
 * such as `(H+15)//32`, evaluated as Python arithmetic) must equal the actual one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusDir } from '../../bench/corpus.js';
import { createSession } from '../../bench/ort.js';
import { evalDim } from '../../ir/infer/dim-eval.test-util.js';
import { inferTypes } from '../../ir/infer/infer.js';
import type { Model, Value, ValueId } from '../../ir/types.js';
import { loadModel, saveModel } from '../../node/io.js';
import { writeInferredTypes } from '../../passes/infer-shapes/infer-shapes.js';
import { parseSidecar } from '../../src/sidecar.js';
import { fillModel } from '../../src/skeleton.js';
import { VISION_MODELS, withSymbolicHW } from '../conformance/vision-shapes.js';

const dir = mkdtempSync(join(tmpdir(), 'lathe-vision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Image sizes bound to H and W: odd, prime, not square, not multiples of 32. */
const SIZES: readonly (readonly [number, number])[] = [[197, 233], [64, 97], [33, 47]];

describe('symbolic H/W shapes agree with onnxruntime', () => {
  // ssdlite320 resizes to a fixed size internally: nothing symbolic to check past its first Resize.
  for (const name of VISION_MODELS.filter((n) => !n.startsWith('ssdlite'))) {
    it(name, { timeout: 300_000 }, async () => {
      const skeleton = join(corpusDir, name);
      const sidecar = skeleton.replace(/\.onnx$/, '.weights.json');
      const filled = fillModel(loadModel(skeleton), parseSidecar(readFileSync(sidecar, 'utf8'), sidecar), { seed: 1 }).model;
      const m = withSymbolicHW(filled);
      const g = m.graph;
      const { types } = inferTypes(m);
      // The probe carries the expressions as value_info dim_params, as infer-shapes writes them:
      // onnxruntime must load and run such a model.
      const typed = writeInferredTypes(m, types);
      const declaresFloor = (v: Value) => v.type?.kind === 'tensor' && !!v.type.shape?.some((d) => typeof d === 'string' && d.includes('//'));
      expect(Object.values(typed.graph.values).some(declaresFloor)).toBe(true);
      const all: ValueId[] = [];
      for (const n of g.order) for (const o of g.nodes[n]!.outputs) if (o) all.push(o);
      const values: Record<ValueId, Value> = Object.assign(Object.create(null), typed.graph.values);
      for (const id of all) if (values[id]!.name === undefined) values[id] = { ...values[id]!, name: `lathe_probe_${id}` };
      const outputs = new Set(g.outputs);
      const probe: Model = { ...typed, graph: { ...typed.graph, values, outputs: [...g.outputs, ...all.filter((id) => !outputs.has(id))] } };
      const path = join(dir, name);
      saveModel(probe, path);
      const input = g.values[g.inputs[0]!]!;
      const declared = input.type?.kind === 'tensor' ? input.type.shape ?? [] : [];
      const session = await createSession(path);
      const bad: string[] = [];
      let compared = 0, floorDims = 0;
      try {
        for (const [H, W] of SIZES) {
          const env = { H, W, batch: 1 };
          const dims = declared.map((d) => (typeof d === 'number' ? d : d === 'H' ? H : d === 'W' ? W : 1));
          const n = dims.reduce((a, b) => a * b, 1);
          const result = await session.run({ [input.name!]: new ort.Tensor('float32', new Float32Array(n).fill(0.5), dims) });
          for (const id of all) {
            const t = types.get(id);
            const actual = result[values[id]!.name!];
            if (t?.kind !== 'tensor' || !t.shape || !actual) continue;
            expect(t.shape.length).toBe(actual.dims.length);
            t.shape.forEach((d, i) => {
              if (d === null) return;
              if (typeof d === 'string' && d.includes('//')) floorDims++;
              compared++;
              if (evalDim(d, env) !== Number(actual.dims[i])) bad.push(`${values[id]!.name} dim ${i}: ${d} at H=${H} W=${W}, actual ${actual.dims.join('x')}`);
            });
          }
        }
      } finally {
        await session.release();
      }
      expect(bad.slice(0, 10)).toEqual([]);
      expect(compared).toBeGreaterThan(500);
      expect(floorDims).toBeGreaterThan(100);
    });
  }
});

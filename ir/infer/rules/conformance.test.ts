/**
 * The elementwise and tensor rules against real models: the ONNX node tests (the inferred output
 * types must never contradict the expected ones) and corpus models whose shape subgraphs must
 * resolve completely (data propagation through Shape/Gather/Concat/Equal/Where/Range …).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../blob.js';
import { decodeModel } from '../../onnx/decode.js';
import { liftModel } from '../../onnx/lift.js';
import type { Model, Type, Value, ValueId } from '../../types.js';
import { inferTypes } from '../infer.js';
import { rules as elementwise } from './elementwise.js';
import { rules as tensor } from './tensor.js';
import { corpusModelsDir, nodeTestsDir } from '../../../test/support/shared.js';

const NODE_TESTS = nodeTestsDir;
const CORPUS = corpusModelsDir;
const ours = new Set([...elementwise, ...tensor].map((r) => r.name));

function load(path: string): Model {
  return liftModel(decodeModel(memorySource(readFileSync(path))));
}

/** The model with the declared types of `ids` removed, so inference alone must find them. */
function withoutTypes(model: Model, ids: readonly ValueId[]): Model {
  const values: Record<ValueId, Value> = { ...model.graph.values };
  for (const id of ids) values[id] = { ...values[id], type: undefined };
  return { ...model, graph: { ...model.graph, values, outputInfo: undefined } };
}

/** Why `got` contradicts `want` (other dtype, rank, or number), else undefined. */
function contradiction(want: Type, got: Type | undefined): string | undefined {
  if (want.kind !== 'tensor' || !got || got.kind !== 'tensor') return undefined;
  if (got.dtype !== 0 && got.dtype !== want.dtype) return `dtype ${got.dtype} != ${want.dtype}`;
  if (!got.shape || !want.shape) return undefined;
  if (got.shape.length !== want.shape.length) return `rank ${got.shape.length} != ${want.shape.length}`;
  const i = got.shape.findIndex((d, k) => typeof d === 'number' && typeof want.shape![k] === 'number' && d !== want.shape![k]);
  return i >= 0 ? `dim ${i}: ${got.shape[i]} != ${want.shape[i]}` : undefined;
}

describe('ONNX node tests of the elementwise and tensor ops', () => {
  it('never contradict the expected output types, and mostly infer them fully', () => {
    const wrong: string[] = [];
    let exact = 0;
    let cases = 0;
    for (const c of readdirSync(NODE_TESTS).sort()) {
      const path = `${NODE_TESTS}/${c}/model.onnx`;
      if (!existsSync(path)) continue;
      const model = load(path);
      const g = model.graph;
      if (g.order.length !== 1) continue;
      const node = g.nodes[g.order[0]];
      if (node.domain !== '' || !ours.has(node.op)) continue;
      cases++;
      const res = inferTypes(withoutTypes(model, g.outputs));
      for (const d of res.diagnostics) wrong.push(`${c}: ${d.message}`);
      for (const o of g.outputs) {
        const want = g.values[o].type;
        if (!want) continue;
        const got = res.types.get(o);
        const why = contradiction(want, got);
        if (why) wrong.push(`${c}: ${why}`);
        else if (JSON.stringify(got) === JSON.stringify(want)) exact++;
      }
    }
    expect(wrong).toEqual([]);
    expect(cases).toBeGreaterThan(400);
    // The rest have data-dependent shapes (shape/axes/K fed as graph inputs).
    expect(exact).toBeGreaterThan(700);
  }, 60_000);
});

describe('corpus shape subgraphs', () => {
  for (const name of ['gpt2.legacy', 'llama-small.legacy', 'llama-small.dynamo', 't5-encoder.legacy']) {
    it(`${name}: every node output gets a complete shape`, () => {
      const model = load(`${CORPUS}/${name}.onnx`);
      const g = model.graph;
      const inner = g.order.flatMap((n) => g.nodes[n].outputs).filter((o): o is ValueId => o !== null && !g.outputs.includes(o));
      const res = inferTypes(withoutTypes(model, inner));
      expect(res.diagnostics).toEqual([]);
      const partial = inner.filter((o) => {
        const t = res.types.get(o);
        return !(t?.kind === 'tensor' && t.dtype !== 0 && t.shape && t.shape.every((d) => d !== null));
      });
      expect(partial.map((o) => g.values[o].name)).toEqual([]);
    }, 60_000);
  }
});

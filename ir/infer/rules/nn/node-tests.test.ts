/**
 * Never a wrong shape: over every ONNX node-test model that uses an nn/control op, the inferred
 * graph-output types (declared output types removed first) must not contradict the expected
 * ones, and at least a large share of them must match exactly.
 */
import { existsSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadModel } from '../../../../node/io.js';
import type { Model, Type, Value, ValueId } from '../../../types.js';
import { inferTypes } from '../../infer.js';
import { rules as control } from '../control.js';
import { rules as nn } from '../nn.js';
import { nodeTestsDir } from '../../../../test/support/shared.js';

const mine = new Set([...nn, ...control].map((r) => r.name));
const root = nodeTestsDir;

function stripOutputs(m: Model): Model {
  const g = m.graph;
  const values: Record<string, Value> = { ...(g.values as Record<string, Value>) };
  for (const o of g.outputs) values[o] = { ...values[o]!, type: undefined };
  return { ...m, graph: { ...g, values: values as typeof g.values } };
}

/** True when a states something b (the real type) contradicts. */
function conflict(a: Type | undefined, b: Type | undefined): boolean {
  if (!a || !b) return false;
  if (a.kind !== b.kind) return true;
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    if (a.dtype && b.dtype && a.dtype !== b.dtype) return true;
    if (!a.shape || !b.shape) return false;
    if (a.shape.length !== b.shape.length) return true;
    return a.shape.some((d, i) => typeof d === 'number' && typeof b.shape![i] === 'number' && d !== b.shape![i]);
  }
  if ((a.kind === 'sequence' || a.kind === 'optional') && a.kind === b.kind) return conflict(a.elem, b.elem);
  return false;
}

it('inferred output types never contradict the node tests', () => {
  let exact = 0;
  const conflicts: string[] = [];
  for (const c of readdirSync(root)) {
    const p = `${root}/${c}/model.onnx`;
    if (!existsSync(p)) continue;
    const m = loadModel(p);
    const nodes = m.graph.nodes as Record<string, { op: string }>;
    if (!m.graph.order.some((id) => mine.has(nodes[id]!.op))) continue;
    const r = inferTypes(stripOutputs(m));
    for (const o of m.graph.outputs) {
      const want = (m.graph.values as Record<string, Value>)[o]!.type;
      const got = r.types.get(o as ValueId);
      if (conflict(got, want)) conflicts.push(`${c}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      else if (JSON.stringify(got) === JSON.stringify(want)) exact++;
    }
  }
  expect(conflicts).toEqual([]);
  expect(exact).toBeGreaterThan(800);
});

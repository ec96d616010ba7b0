/**
 * The immer side of edit.ts: payloads are never drafted, no-op writes leave every object as it was,
 * untouched tables are shared, the result is plain (no drafts, not frozen), immer's global settings
 * are left alone, and an Editor cannot write once its edit has ended.
 */
import { isDraft, produce } from 'immer';
import { describe, expect, test } from 'vitest';
import { chainModel, nestedIfModel } from '../../test/arbitraries/model.js';
import { float } from '../attrs.js';
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { GraphBuilder, modelOf, tensorType } from './build.js';
import { DraftList, DraftTable } from './draft.js';
import { edit, type Editor } from './edit.js';
import type { NodeId, Tensor, ValueId } from '../types.js';
import { verify as verifyAll } from '../verify/verify.js';

/** The verifier less `attr-unknown`: these edits write made-up attribute names on purpose. */
const verify = (m: Parameters<typeof verifyAll>[0]) => verifyAll(m).filter((d) => d.code !== 'attr-unknown');
import { walkGraphs } from '../walk.js';

const f32 = tensorType(1, [2]);

function payloadModel() {
  const raw: Tensor = { dtype: 1, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(8).fill(7) } };
  const field: Tensor = { dtype: 1, dims: [2], data: { kind: 'field', field: 'float_data', values: new Float32Array([1, 2]) } };
  const blob: Tensor = { dtype: 1, dims: [2], data: { kind: 'blob', blob: new Blob(memorySource(new Uint8Array(8)), 0, 8) } };
  const b = new GraphBuilder();
  const x = b.input('x', f32);
  const w = b.initializer('w', field);
  const k = b.op('Constant', [], { value: raw }, { types: [f32] });
  const s = b.op('Add', [x, w], { t: blob }, { types: [f32] });
  b.output(b.op('Mul', [s, k]), 'y');
  const g = b.build();
  return { model: modelOf(g), raw, field, blob, w, constant: g.order[0], add: g.order[1] };
}

describe('edit on immer', () => {
  test('tensor payloads (typed arrays, bytes, Blobs) keep their identity through edits touching them', () => {
    const { model, raw, field, blob, w, constant, add } = payloadModel();
    const out = edit(model, (e) => {
      e.setAttr(constant, 'marker', 1n);
      e.setAttr(add, 'marker', 2n);
      e.setValue(w, { name: 'w2' });
      e.setInput(add, 0, e.add('Relu', [model.graph.inputs[0]])[0]);
    });
    expect(out).not.toBe(model);
    expect(verify(out)).toEqual([]);
    const attr = (id: NodeId, name: string) => out.graph.nodes[id].attrs.find((a) => a.name === name);
    const value = attr(constant, 'value');
    expect(value?.kind === 'tensor' && value.value).toBe(raw);
    expect(value?.kind === 'tensor' && value.value.data).toBe(raw.data);
    const t = attr(add, 't');
    expect(t?.kind === 'tensor' && t.value.data).toBe(blob.data);
    const data = out.graph.values[w].tensor!.data;
    expect(data).toBe(field.data);
    expect(data.kind === 'field' && data.values).toBeInstanceOf(Float32Array);
    expect(out.graph.values[w].name).toBe('w2');
  });

  test('results are plain data: no drafts, not frozen; immer global auto-freeze is untouched', () => {
    const { model, relu, x } = chainModel();
    const out = edit(model, (e) => {
      e.setAttr(relu, 'alpha', float(0.5));
      e.add('Sigmoid', [x]);
    });
    for (const obj of [out, out.graph, out.graph.nodes, out.graph.values, out.graph.order, out.graph.nodes[relu]]) {
      expect(isDraft(obj)).toBe(false);
      expect(Object.isFrozen(obj)).toBe(false);
    }
    // Users' own immer code still gets immer's defaults.
    expect(Object.isFrozen(produce({ a: 1 }, (d) => void (d.a = 2)))).toBe(true);
  });

  test('untouched tables and lists are shared; only what changed is new', () => {
    const { model, relu, neg } = chainModel();
    const out = edit(model, (e) => e.setAttr(relu, 'alpha', float(0.5)));
    const [a, b] = [model.graph, out.graph];
    expect(b).not.toBe(a);
    expect(b.nodes).not.toBe(a.nodes);
    expect(b.nodes[neg]).toBe(a.nodes[neg]);
    expect(b.nodes[relu].inputs).toBe(a.nodes[relu].inputs);
    for (const key of ['values', 'order', 'inputs', 'outputs', 'initializers', 'sparseInitializers'] as const) expect(b[key]).toBe(a[key]);
    expect(out.functions).toBe(model.functions);
  });

  test('no-op writes of every kind give back the same model', () => {
    const { model, relu, neg, x, r, y } = chainModel();
    const fx = model.graph.values[x];
    const out = edit(model, (e) => {
      e.setInput(relu, 0, x);
      e.setInput(neg, 0, r);
      e.setValue(x, { name: fx.name, type: fx.type });
      e.setValue(y, {});
      e.removeAttr(relu, 'absent');
      e.replaceAllUses(x, x);
      e.replaceAllUses(y, y);
      expect(e.snapshot()).toBe(model.graph);
    });
    expect(out).toBe(model);
  });

  test('a draft table skips no-op writes, so immer never copies or marks the table', () => {
    const base = { a: { id: 'a' }, b: { id: 'b' } } as Record<string, { id: string }>;
    const t = new DraftTable(base);
    t.set('a', base.a);
    t.delete('zzz');
    expect(t.current()).toBe(base);
    expect(t.finish()).toBe(base);
    const t2 = new DraftTable(base);
    const a2 = { id: 'a' };
    t2.set('a', a2);
    t2.delete('b');
    expect(t2.get('a')).toBe(a2);
    expect(t2.get('b')).toBeUndefined();
    expect(t2.get('constructor')).toBeUndefined();
    const snap = t2.current();
    expect(snap).toEqual({ a: a2 });
    const done = t2.finish();
    expect(done).toEqual({ a: a2 });
    expect(base).toEqual({ a: { id: 'a' }, b: { id: 'b' } });
    expect(() => t2.set('c', { id: 'c' })).toThrow();
    const l = new DraftList(['v1', 'v2']);
    l.set(1, 'v2');
    expect(l.finish()).toEqual(['v1', 'v2']);
    const l2 = new DraftList<string>(['v1']);
    l2.push('v3');
    l2.set(0, 'v0');
    expect(l2.finish()).toEqual(['v0', 'v3']);
  });

  test('snapshot shows the edit so far and the edit goes on afterwards', () => {
    const { model, relu, x } = chainModel();
    let mid = model.graph;
    const out = edit(model, (e) => {
      e.setAttr(relu, 'alpha', float(0.5));
      mid = e.snapshot();
      e.add('Sigmoid', [x]);
    });
    expect(mid.order.length).toBe(2);
    expect(mid.nodes[relu].attrs.map((a) => a.name)).toEqual(['alpha']);
    expect(out.graph.order.length).toBe(3);
    expect(verify(out)).toEqual([]);
  });

  test('an Editor kept past its edit refuses writes with LatheError', () => {
    const { model, relu, x } = chainModel();
    let kept!: Editor;
    const out = edit(model, (e) => {
      kept = e;
      e.setAttr(relu, 'alpha', float(0.5));
    });
    expect(() => kept.setAttr(relu, 'beta', float(1))).toThrow(LatheError);
    expect(() => kept.add('Relu', [x])).toThrow(/already ended/);
    expect(() => kept.replaceAllUses(x, x)).toThrow(LatheError);
    expect(kept.node(relu)).toBe(out.graph.nodes[relu]);
    expect(out.graph.nodes[relu].attrs.length).toBe(1);
  });

  test('replacing a value read at every level of a 10,000-deep nesting does not overflow', () => {
    const m = nestedIfModel(10_000);
    const [c, x] = m.graph.inputs;
    const out = edit(m, (e) => e.replaceAllUses(x, c));
    let reads = 0;
    let graphs = 0;
    walkGraphs(out, (g) => {
      graphs++;
      for (const id of g.order) for (const v of g.nodes[id].inputs) if (v === x) reads++;
    });
    expect(graphs).toBeGreaterThan(10_000);
    expect(reads).toBe(0);
    expect(edit(out, (e) => e.replaceAllUses(x as ValueId, c))).toBe(out);
  });
});

/**
 * A generated model of 200,000 nodes: load, verify and save times, and heap bytes per node.
 * Run with `node --expose-gc dist/bench/large-graph.js OUT.onnx [nodes]` (bench/run.ts does).
 */
import { statSync } from 'node:fs';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../node/optimize.js';
import { verify } from '../ir/verify/verify.js';
import type { Graph, Model, Node, NodeId, Value, ValueId } from '../ir/types.js';

const out = process.argv[2];
const count = Number(process.argv[3] ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** x → (Add with a previous value | Relu | LeakyRelu alpha | Transpose perm) … chained, 2 inputs max. */
export function largeModel(n: number): Model {
  const values: Record<ValueId, Value> = {};
  const nodes: Record<NodeId, Node> = {};
  const order: NodeId[] = [];
  const type = { kind: 'tensor' as const, dtype: 1, shape: [4, 4] };
  const x = 'v0' as ValueId;
  values[x] = { id: x, name: 'x', type };
  let prev = x;
  for (let i = 0; i < n; i++) {
    const id = `n${i}` as NodeId;
    const y = `v${i + 1}` as ValueId;
    const k = i % 4;
    const op = ['Add', 'Relu', 'LeakyRelu', 'Transpose'][k];
    const inputs = k === 0 ? [prev, `v${Math.max(0, i - 7)}` as ValueId] : [prev];
    const attrs =
      k === 2 ? [{ name: 'alpha', kind: 'float' as const, value: 0.125 }]
      : k === 3 ? [{ name: 'perm', kind: 'ints' as const, value: [1n, 0n] }]
      : [];
    nodes[id] = { id, op, domain: '', inputs, outputs: [y], attrs, name: `node_${i}` };
    values[y] = { id: y, name: `t${i}`, def: { node: id, index: 0 } };
    order.push(id);
    prev = y;
  }
  values[prev] = { ...values[prev], type };
  const graph: Graph = {
    name: 'large', inputs: [x], outputs: [prev], initializers: [], sparseInitializers: [], order, nodes, values,
  };
  return { irVersion: 8, opsets: [{ domain: '', version: 17 }], graph, functions: [], meta: [] };
}

function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e9];
}

if (out) {
  // In a function, so the generated model is garbage before the heap is measured.
  (() => saveModel(largeModel(count), out))();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const [model, tLoad] = time(() => loadModel(out));
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const [diags, tVerify] = time(() => verify(model));
  const [, tSave] = time(() => saveModel(model, `${out}.resaved.onnx`));
  const errors = diags.filter((d) => d.severity === 'error').length;
  console.log(`### A generated model of ${count.toLocaleString('en')} nodes (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
  console.log('');
  console.log('| load | verify | save | total | heap per node |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| ${tLoad.toFixed(2)} s | ${tVerify.toFixed(2)} s | ${tSave.toFixed(2)} s | **${(tLoad + tVerify + tSave).toFixed(2)} s** (target < 5 s) | ${Math.round((heap1 - heap0) / count)} bytes |`,
  );
  console.log('');
  console.log(`Verifier: ${errors} errors. Heap per node = heapUsed after load − before, after gc, / nodes (the whole IR: nodes, values, attrs, names).`);
  console.log('');
  // -O1 and -O2 on the same model (load, optimize, save), in process.
  for (const level of [1, 2] as const) {
    const [r, tOpt] = time(() => {
      const m = loadModel(out);
      const o = optimize(m, { level });
      saveModel(o.model, `${out}.O${level}.onnx`);
      return o;
    });
    console.log(`-O${level} (load + optimize + save): **${tOpt.toFixed(2)} s** (target < 10 s), ${r.report.nodes.before.toLocaleString('en')} → ${r.report.nodes.after.toLocaleString('en')} nodes.`);
  }
}

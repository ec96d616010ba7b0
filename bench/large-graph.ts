/**
 * A generated model of 200,000 nodes: load, verify and save times, and heap bytes per node.
 * Run with `node --expose-gc dist/bench/large-graph.js OUT.onnx [nodes]` (bench/run.ts does).
 */
import { statSync } from 'node:fs';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../passes/library.js';
import { verify } from '../ir/verify/verify.js';
import type { Model, ValueId } from '../ir/types.js';
import { chainOf } from './chain.js';

const out = process.argv[2];
const count = Number(process.argv[3] ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** x → (Add with a previous value | Relu | LeakyRelu alpha | Transpose perm) … chained, 2 inputs max. */
export function largeModel(n: number): Model {
  return chainOf('large', n, (i, prev) => {
    const k = i % 4;
    return {
      op: ['Add', 'Relu', 'LeakyRelu', 'Transpose'][k],
      inputs: k === 0 ? [prev, `v${Math.max(0, i - 7)}` as ValueId] : [prev],
      attrs:
        k === 2 ? [{ name: 'alpha', kind: 'float' as const, value: 0.125 }]
        : k === 3 ? [{ name: 'perm', kind: 'ints' as const, value: [1n, 0n] }]
        : [],
    };
  }, false);
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
  // The load/verify/save model in a function too: garbage before the -O1/-O2 runs below, which
  // measure what `lathe optimize` does in a fresh process (not beside a second 200,000-node model).
  (() => {
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
  })();
  // -O1 and -O2 on the same model (load, optimize, save), in process, each from a collected heap.
  for (const level of [1, 2] as const) {
    gc();
    const [r, tOpt] = time(() => {
      const m = loadModel(out);
      const o = optimize(m, { level });
      saveModel(o.model, `${out}.O${level}.onnx`);
      return o;
    });
    console.log(`-O${level} (load + optimize + save): **${tOpt.toFixed(2)} s** (target < 10 s), ${r.report.nodes.before.toLocaleString('en')} → ${r.report.nodes.after.toLocaleString('en')} nodes.`);
  }
}

/**
 * The reference evaluator against onnxruntime-node (1 thread, optimizations off) on real models:
 * time per inference and the ratio, plus the largest output difference (a sanity check that
 * both computed the same thing). `node dist/bench/eval.js [model …]`; bench/run.ts calls it.
 */
import { loadModel } from '../node/io.js';
import { evaluate } from '../ir/eval/run.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import { filledModel } from './corpus.js';
import { createSession, randomFeeds } from './ort.js';

const ortToDtype: Record<string, number> = { float32: 1, int64: 7, int32: 6, bool: 9, float16: 10, float64: 11 };

function seconds<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e9];
}

export async function benchEval(name: string, runs = 2): Promise<string> {
  const path = filledModel(name);
  const model = loadModel(path);
  const feeds = randomFeeds(model, { seed: 3 });
  const inputs = new Map<string, RtValue>();
  for (const [k, t] of Object.entries(feeds)) {
    inputs.set(k, { kind: 'tensor', dtype: ortToDtype[t.type], dims: t.dims, data: t.data as TensorValue['data'] });
  }
  const session = await createSession(path);
  let ortBest = Infinity;
  let ortOut: Record<string, { data: unknown }> = {};
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    ortOut = (await session.run(feeds)) as never;
    ortBest = Math.min(ortBest, Number(process.hrtime.bigint() - t) / 1e9);
  }
  await session.release();
  let ours = new Map<string, RtValue>();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const [out, s] = seconds(() => evaluate(model, inputs));
    ours = out;
    best = Math.min(best, s);
  }
  let maxDiff = 0;
  for (const [k, v] of ours) {
    const o = ortOut[k]?.data as ArrayLike<number> | undefined;
    if (!o || v.kind !== 'tensor' || Array.isArray(v.data) || typeof o[0] === 'bigint') continue;
    const d = v.data as ArrayLike<number>;
    for (let i = 0; i < d.length; i++) maxDiff = Math.max(maxDiff, Math.abs(d[i] - o[i]));
  }
  return `| ${name} | ${best.toFixed(2)} s | ${ortBest.toFixed(3)} s | **${(best / ortBest).toFixed(1)}x** | ${maxDiff.toExponential(2)} |`;
}

if (process.argv[1]?.endsWith('eval.js') && process.argv.length > 2) {
  for (const m of process.argv.slice(2)) console.log(await benchEval(m));
}

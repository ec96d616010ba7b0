/**
 * Runs two model files in onnxruntime-node on the same random feeds and says whether the outputs
 * are bit-identical. Shared by the benchmark and the corpus tests.
 */
import { loadModel } from '../node/io.js';
import { diffOutputs, randomFeeds, runOrt } from './ort.js';

export async function compareInOrt(original: string, candidate: string, seed = 1): Promise<string> {
  const feeds = randomFeeds(loadModel(original), { seed });
  const a = await runOrt(original, feeds);
  const b = await runOrt(candidate, feeds);
  const d = diffOutputs(a, b);
  return d === null ? `bit-identical (${a.outputs.length} outputs)` : `DIFFERENT: ${d}`;
}

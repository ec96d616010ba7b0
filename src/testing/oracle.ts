/**
 * Oracles for `checkPassAsync`: what computes a model's outputs besides lathe's evaluator. An
 * oracle takes the model as ONNX bytes, so it can be any runtime. The platform-neutral core only
 * knows oracles by name through `registerOracle`: lathe's Node entry of `lathe/testing`
 * (node/testing.ts) registers 'onnxruntime', backed by onnxruntime-node when it is installed.
 */
import { LatheError } from '../../ir/error.js';
import type { RtValue } from '../../ir/ops/types.js';
import type { Feeds } from './arb-feeds.js';

/** A runtime that computes a model's outputs (by output name) on feeds. */
export interface Oracle {
  readonly name: string;
  run(model: Uint8Array, feeds: Feeds): Promise<Map<string, RtValue>>;
}

/** What `checkPass`'s `oracle` option takes. */
export type OracleOption = 'evaluator' | 'onnxruntime' | Oracle;

const named = new Map<string, () => Promise<Oracle>>();

/** Makes `oracle: name` resolve to the oracle `make` gives (called once per check). */
export function registerOracle(name: string, make: () => Promise<Oracle>): void {
  named.set(name, make);
}

/** The oracle an option names (not 'evaluator': the synchronous path handles that). */
export async function resolveOracle(option: Exclude<OracleOption, 'evaluator'>): Promise<Oracle> {
  if (typeof option !== 'string') return option;
  const make = named.get(option);
  if (!make) {
    throw new LatheError(`checkPass: the oracle '${option}' is not available here: import checkPassAsync from 'lathe/testing' under Node (its Node entry provides it)`);
  }
  return make();
}

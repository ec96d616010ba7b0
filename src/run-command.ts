/**
 * `lathe run MODEL (--inputs DIR | --input NAME=FILE.pb ...) -o OUTDIR`: evaluates a model with
 * the reference evaluator on ONNX test-data files. Inputs are the graph inputs that are not
 * initializers, in order (`input_K.pb`); `--input NAME=FILE` gives (or overrides) one by name,
 * initializer inputs included. Outputs are written as `OUTDIR/output_K.pb`.
 *
 * A missing input, or one whose dtype, rank or static dims contradict the declared type, is a
 * LatheError (exit 2) naming the input and its file.
 */
import { LatheError } from '../ir/error.js';
import { readValue, writeValue } from '../ir/eval/data.js';
import { checkFeed } from '../ir/eval/feed.js';
import { evaluate } from '../ir/eval/run.js';
import { describeValue } from '../ir/eval/values.js';
import type { RtValue } from '../ir/ops/types.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import type { Platform } from './platform.js';

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${file}` : `${dir}/${file}`;
}

function parseSeed(args: ParsedArgs): number {
  const text = args.values.get('seed') ?? '0';
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer in [0, 2^53) (got '${text}')`, args.command);
  return seed;
}

/** Runs the command; returns the exit code (errors are thrown for runCli to report). */
export function runModelCommand(platform: Platform, args: ParsedArgs): number {
  const out = args.values.get('output');
  if (out === undefined || out === '') throw new UsageError('run: missing -o OUTDIR', args.command);
  const seed = parseSeed(args);
  const dir = args.values.get('inputs');
  const named = new Map<string, string>();
  for (const spec of args.lists.get('input') ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--input expects NAME=FILE.pb (got '${spec}')`, args.command);
    const name = spec.slice(0, eq);
    if (named.has(name)) throw new UsageError(`--input ${name} given twice`, args.command);
    named.set(name, spec.slice(eq + 1));
  }
  const model = platform.loadModel(args.input);
  const g = model.graph;
  const initializers = new Set(g.initializers);
  const nameOf = (id: (typeof g.inputs)[number]) => g.values[id]?.name ?? id;
  const known = new Set(g.inputs.map(nameOf));
  for (const name of named.keys()) if (!known.has(name)) throw new LatheError(`--input ${name}: the model has no input '${name}'`, args.input);

  const t0 = platform.now();
  const inputs = new Map<string, RtValue>();
  let k = 0;
  for (const id of g.inputs) {
    const name = nameOf(id);
    const type = g.values[id]?.type;
    const isInit = initializers.has(id);
    let file = named.get(name);
    if (file === undefined && !isInit && dir !== undefined) file = joinPath(dir, `input_${k}.pb`);
    if (!isInit) k++;
    if (file === undefined) {
      if (isInit) continue;
      throw new LatheError(`input '${name}' is missing (give --inputs DIR or --input ${name}=FILE.pb)`, args.input);
    }
    if (!platform.exists(file)) throw new LatheError(`input '${name}': ${file} does not exist`, args.input);
    const v = readValue(platform.readBytes(file), type, `input '${name}' (${file})`);
    checkFeed(v, type, `input '${name}' (${file})`);
    inputs.set(name, v);
  }
  const t1 = platform.now();
  const outputs = evaluate(model, inputs, { seed });
  const t2 = platform.now();
  platform.makeDir(out);
  const lines: string[] = [];
  g.outputs.forEach((id, i) => {
    const name = g.values[id]?.name ?? id;
    const v = outputs.get(name)!;
    const file = joinPath(out, `output_${i}.pb`);
    platform.writeBytes(file, writeValue(v, name));
    lines.push(`  ${file}: ${name} ${describeValue(v)}\n`);
  });
  if (!args.flags.has('quiet')) {
    platform.stdout(
      `lathe: ran ${args.input} (${Object.keys(g.nodes).length} nodes): wrote ${g.outputs.length} outputs to ${out}\n` +
        lines.join('') +
        `  time: read inputs ${((t1 - t0) / 1000).toFixed(2)} s, evaluate ${((t2 - t1) / 1000).toFixed(2)} s\n`,
    );
  }
  return 0;
}

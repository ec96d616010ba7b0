/**
 * `lathe run MODEL (--inputs DIR | --input NAME=FILE ... | --random-inputs) -o OUTDIR`: evaluates
 * a model with the reference evaluator. Inputs are the graph inputs that are not initializers, in
 * order (`input_K.pb` or `input_K.npy`); `--input NAME=FILE` gives (or overrides) one by name,
 * initializer inputs included; `--random-inputs` makes the rest (run-inputs.ts).
 *
 * Each output is written twice: `OUTDIR/output_K.pb` (the ONNX test-case layout) and
 * `OUTDIR/NAME.pb` after the graph output's name (sanitized), plus `NAME.npy` with `--npy`.
 * A folder that already holds `.pb` or `.npy` files is refused, so outputs of an earlier run (of
 * a model with more outputs, say) are never mistaken for this run's; `--clear` deletes those
 * files first.
 *
 * A missing input, or one whose dtype, rank or static dims contradict the declared type, is a
 * LatheError (exit 2) naming the input and its file.
 */
import { DataType as D, dtypeName } from '../ir/dtype.js';
import { LatheError } from '../ir/error.js';
import { writeValue } from '../ir/eval/data.js';
import { npyWritable, writeNpy } from '../ir/eval/npy.js';
import { evaluate } from '../ir/eval/run.js';
import { describeValue } from '../ir/eval/values.js';
import type { RtValue } from '../ir/ops/types.js';
import { checkedModel } from './input-order.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import { plural } from './inspect.js';
import type { Platform } from './platform.js';
import { feedSpecOf, gatherInputs } from './run-inputs.js';

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${file}` : `${dir}/${file}`;
}

/** Names no file system accepts as a plain file name (Windows devices), compared upper-case. */
const RESERVED = /^(CON|PRN|AUX|NUL|COM\d|LPT\d)$/i;

/**
 * A file stem for an output name: letters, digits, `.`, `_` and `-` kept, anything else `_`, at
 * most 100 characters, never empty, `.`/`..`-like, or a Windows device name.
 */
export function fileStem(name: string): string {
  let s = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  if (s === '' || /^\.*$/.test(s)) s = `_${s}`;
  if (s.startsWith('.')) s = `_${s.slice(1)}`;
  if (RESERVED.test(s.replace(/\..*$/, ''))) s = `_${s}`;
  return s;
}

/**
 * The named file stems of a list of output names: sanitized, made unique (case-insensitively,
 * for case-folding file systems) with `_K` suffixes, and never `output_J` (the positional names).
 */
export function outputStems(names: readonly string[]): string[] {
  const used = new Set(names.map((_, i) => `output_${i}`));
  return names.map((name, k) => {
    const base = fileStem(name);
    if (base === `output_${k}`) return base; // the positional file itself
    let stem = base;
    for (let j = 1; used.has(stem.toLowerCase()); j++) stem = `${base}_${j}`;
    used.add(stem.toLowerCase());
    return stem;
  });
}

/** `float[1,10] min -1.5 max 2 mean 0.25` for a numeric tensor; describeValue otherwise. */
export function summarizeOutput(v: RtValue): string {
  if (v.kind !== 'tensor' || Array.isArray(v.data)) return describeValue(v);
  const head = `${dtypeName(v.dtype)}[${v.dims.join(',')}]`;
  const data = v.data;
  const complex = v.dtype === D.COMPLEX64 || v.dtype === D.COMPLEX128;
  if (data.length === 0 || complex) return head;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = 0;
  for (let i = 0; i < data.length; i++) {
    const x = Number(data[i]);
    if (Number.isNaN(x)) {
      nan++;
      continue;
    }
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const n = data.length - nan;
  const stats = n === 0 ? '' : ` min ${formatStat(min)} max ${formatStat(max)} mean ${formatStat(sum / n)}`;
  return `${head}${stats}${nan > 0 ? ` (${nan} NaN)` : ''}`;
}

/** Six significant digits, trailing zeros of the mantissa dropped (`2.5`, `1e-7`, `1.00993e-10`). */
export function formatStat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const [mantissa, exponent] = x.toPrecision(6).split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exponent === undefined ? m : `${m}e${exponent}`;
}

/** Files an earlier run leaves in a folder. */
function isOutputFile(name: string): boolean {
  return /\.(pb|npy)$/i.test(name);
}

/** Runs the command; returns the exit code (errors are thrown for runCli to report). */
export function runModelCommand(platform: Platform, args: ParsedArgs): number {
  const out = args.values.get('output');
  if (out === undefined || out === '') throw new UsageError('run: missing -o OUTDIR', args.command);
  const spec = feedSpecOf(args);
  const clear = args.flags.has('clear');
  if (clear && spec.dir !== undefined && platform.samePath(spec.dir, out)) {
    throw new UsageError('run: --clear would delete the inputs: OUTDIR is the --inputs folder', args.command);
  }
  const earlier = platform.listDir(out).filter(isOutputFile);
  if (earlier.length > 0 && !clear) {
    const shown = earlier.slice(0, 3).join(', ') + (earlier.length > 3 ? ', …' : '');
    throw new LatheError(`holds ${plural(earlier.length, 'earlier output file')} (${shown}); pass --clear to delete them, or choose another folder`, out);
  }
  const model = checkedModel(platform.loadModel(args.input), args.input);
  const g = model.graph;

  const t0 = platform.now();
  const inputs = gatherInputs(platform, model, spec, args.input);
  const t1 = platform.now();
  const outputs = evaluate(model, inputs, { seed: spec.seed, checkDeclaredShapes: false });
  const t2 = platform.now();

  // encode everything before touching the folder: an encoding error leaves it as it was
  const names = g.outputs.map((id) => g.values[id]?.name ?? id);
  const stems = outputStems(names);
  const npy = args.flags.has('npy');
  const files: { path: string; bytes: Uint8Array }[] = [];
  const lines: string[] = [];
  const skipped: string[] = [];
  names.forEach((name, i) => {
    const v = outputs.get(name)!;
    const pb = writeValue(v, name);
    files.push({ path: joinPath(out, `output_${i}.pb`), bytes: pb });
    if (stems[i] !== `output_${i}`) files.push({ path: joinPath(out, `${stems[i]}.pb`), bytes: pb });
    if (npy) {
      if (v.kind === 'tensor' && npyWritable(v.dtype)) files.push({ path: joinPath(out, `${stems[i]}.npy`), bytes: writeNpy(v, name) });
      else skipped.push(`${name} (${describeValue(v)})`);
    }
    lines.push(`  ${name}: ${summarizeOutput(v)}  -> ${stems[i]}.pb\n`);
  });
  platform.makeDir(out);
  if (clear) for (const f of earlier) platform.removeFile(joinPath(out, f));
  platform.writeFiles(files); // all outputs or none: each to a temporary, renamed when all were written
  if (!args.flags.has('quiet')) {
    const nodes = Object.keys(g.nodes).length;
    platform.stdout(
      `lathe: ran ${args.input} (${plural(nodes, 'node')}): wrote ${plural(names.length, 'output')} to ${out}\n` +
        lines.join('') +
        (skipped.length > 0 ? `  no .npy for ${skipped.join(', ')}: numpy has no such type\n` : '') +
        `  time: read inputs ${((t1 - t0) / 1000).toFixed(2)} s, evaluate ${((t2 - t1) / 1000).toFixed(2)} s\n`,
    );
  }
  return 0;
}

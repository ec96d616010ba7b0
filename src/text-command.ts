/**
 * `lathe print MODEL [-o FILE]` and `lathe parse TEXT -o MODEL`: a model in the ONNX text syntax
 * (ir/text) and back. Both write atomically through the Platform; `parse` verifies the model first,
 * as `optimize` does, so no invalid model is written.
 */
import { LatheError } from '../ir/error.js';
import { parseModel } from '../ir/text/parse.js';
import { printModel } from '../ir/text/print.js';
import { verify } from '../ir/verify/verify.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import { formatBytes } from './inspect.js';
import type { ExternalDataMode, Platform } from './platform.js';

function outputOf(platform: Platform, args: ParsedArgs, required: boolean): string | undefined {
  const out = args.values.get('output');
  if (out === undefined || out === '') {
    if (required) throw new UsageError(`${args.command}: missing -o OUT`, args.command);
    return undefined;
  }
  if (platform.samePath(args.input, out)) throw new UsageError(`${args.command}: output ${out} is the input`, args.command);
  return out;
}

/** `lathe print`: the text to stdout, or to -o FILE. */
export function runPrint(platform: Platform, args: ParsedArgs): number {
  const out = outputOf(platform, args, false);
  const text = printModel(platform.loadModel(args.input));
  if (out === undefined || out === '-') platform.stdout(text.endsWith('\n') ? text : `${text}\n`);
  else platform.writeText(out, text);
  return 0;
}

/** `lathe parse`: text in, verified, ONNX out. */
export function runParse(platform: Platform, args: ParsedArgs): number {
  const out = outputOf(platform, args, true)!;
  const mode = (args.values.get('external-data') ?? 'auto') as ExternalDataMode;
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') {
    throw new UsageError(`--external-data must be always, never or auto (got '${mode}')`, args.command);
  }
  let model;
  try {
    model = parseModel(platform.readText(args.input));
  } catch (e) {
    if (e instanceof LatheError && e.file === undefined) throw new LatheError(e.message, args.input);
    throw e;
  }
  const errors = verify(model).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const d = errors[0];
    const where = d.node !== undefined ? `${d.graph}/${d.node}` : d.value !== undefined ? `${d.graph}/${d.value}` : d.graph;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new LatheError(`invalid model: [${d.code}] ${where}: ${d.message}${more}`, args.input);
  }
  const r = platform.saveModel(model, out, { externalData: mode });
  if (!args.flags.has('quiet')) platform.stdout(`lathe: wrote ${out} (${formatBytes(r.modelBytes + r.dataBytes)})\n`);
  return 0;
}

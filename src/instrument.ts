/**
 * Instruments and reproducers the CLI (or any embedder) attaches to `runSchedule`: printing the
 * model after a named pass changed it, and turning a `PassFailure` into a reproducer file.
 */
import { LatheError } from '../ir/error.js';
import { printModel } from '../ir/text/print.js';
import type { Instrument, PassFailure } from './runner.js';

/** Writes the ONNX text of the model after every run of pass `name` that changed it. */
export function printAfterChange(name: string, write: (text: string) => void): Instrument {
  return {
    afterPass: (e) => {
      if (e.pass.name === name && e.changed) write(`# lathe: after ${e.text}\n${printModel(e.after)}\n`);
    },
  };
}

/**
 * A reproducer: the failing pass's input as ONNX text, headed by comments (`#`, which the text
 * parser skips) giving the error and the pipeline that reruns it, so the file parses as it is.
 */
export function reproducerText(failure: PassFailure): string {
  const head = `# lathe reproducer: ${failure.message.split('\n')[0]}\n# pipeline: ${failure.pipeline}\n`;
  try {
    return `${head}${printModel(failure.input)}\n`;
  } catch (e) {
    // A model too large for one string still gets a reproducer: its graph, large weights stripped.
    if (!(e instanceof LatheError)) throw e;
    return `${head}# tensors over ${STRIP_ABOVE} elements stripped (${e.message})\n${printModel(failure.input, { stripAbove: STRIP_ABOVE })}\n`;
  }
}

/** Elements past which a too-large reproducer leaves a tensor's values out. */
const STRIP_ABOVE = 4096;

/**
 * Where the CLI writes the reproducer of a run writing `out`: `OUT.repro.onnx.txt` (`.onnx`
 * dropped); `lathe.repro.onnx.txt` when the model was going to standard output (`-o -`).
 */
export function reproducerPath(out: string): string {
  if (out === '-') return 'lathe.repro.onnx.txt';
  return `${out.replace(/\.onnx$/i, '')}.repro.onnx.txt`;
}

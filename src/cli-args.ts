/**
 * `lathe` argument parsing and help texts. Strict: an unknown option, a missing value, a repeated
 * option or a second input is a `UsageError` (exit 1), never silently ignored.
 */

export type Command = 'optimize' | 'inspect' | 'check' | 'strip' | 'fill' | 'run' | 'print' | 'parse' | 'compare' | 'passes' | 'web' | 'quantize';

/** A mistake in the command line (exit 1). `command` selects the `--help` hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  readonly kind: 'run';
  readonly command: Command;
  readonly input: string;
  /** Options with a value, by long name ('output', 'seed', …; 'level' for -O<n>). */
  readonly values: ReadonlyMap<string, string>;
  /** Boolean options present, by long name ('quiet', 'in-place', …). */
  readonly flags: ReadonlySet<string>;
  /** Repeatable options, every value in order, by long name ('input' of `run`). */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Every positional argument (`input` is the first; `compare` takes two). */
  readonly positional: readonly string[];
}

export type ParseResult = ParsedArgs | { readonly kind: 'help'; readonly text: string } | { readonly kind: 'version' };

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  /** Long names of options taking a value. */
  readonly values: readonly string[];
  /** Long names of boolean options. */
  readonly flags: readonly string[];
  readonly optionHelp: string;
  /** Whether -O0/-O1/-O2 are accepted. */
  readonly levels?: boolean;
  /** Long names of options that take a value and may be repeated. */
  readonly lists?: readonly string[];
  /** Positional arguments required (default 1). */
  readonly positionals?: number;
}

const COMMON_OUT = `  -o, --output OUT              where to write (refused when it is IN, unless --in-place)
      --in-place                allow OUT to be IN (then -o may be omitted)
      --external-data MODE      auto (default: large models get OUT.data), always, never
  -q, --quiet                   print nothing on success
`;

export const COMMANDS: Readonly<Record<Command, CommandSpec>> = {
  optimize: {
    summary: 'optimize a model (-O2 by default: simplify and fuse; -O1 simplify; -O0 only load, verify, write back)',
    usage:
      'lathe optimize IN -o OUT [-O0|-O1|-O2] [--passes PIPELINE] [--fold-limit BYTES] [--set-input-shape NAME=D0,D1,...] [--disable-rules GLOB] [--trace-rules GLOB] [--no-provenance] [--report FILE.json|FILE.html] [--verify-each] [--print-after PASS] [--external-data MODE] [--in-place] [--quiet]',
    values: ['output', 'passes', 'fold-limit', 'external-data', 'print-after', 'report', 'disable-rules', 'trace-rules'],
    flags: ['in-place', 'quiet', 'verify-each', 'no-provenance'],
    lists: ['set-input-shape'],
    levels: true,
    optionHelp:
      `  -O2                           simplification, then a fixed point of fusions and simplification (default)
  -O1                           simplification only (folding, shapes, algebra, affine folding)
  -O0                           lift and emit only
      --passes PIPELINE         run these passes instead of the level's (e.g. infer-shapes; see 'lathe passes')
      --fold-limit BYTES        let constant folding grow the model by up to BYTES (4096, 64K, 1M; default 0)
      --set-input-shape NAME=D0,D1,...  fix the dims of input NAME first (sizes or symbols; repeatable)
      --disable-rules GLOB[,GLOB]  turn these rewrite rules off (for bisecting; RULE or PASS/RULE)
      --trace-rules GLOB        print each attempt of these rules to stderr: rule node (op): why it did not fire
      --no-provenance           do not stamp rewritten nodes with lathe.rule metadata
      --report FILE.json        write the report as JSON (schema: REPORT.md) instead of printing it
      --report FILE.html        write it as a self-contained HTML page (summary, op chart, graphs before/after)
      --verify-each             verify and shape-check the model after every pass that changed it
      --print-after PASS        print the ONNX text after each run of PASS that changed the model
` + COMMON_OUT,
  },
  quantize: {
    summary: 'quantize a model (int8 dynamic or static QDQ; int4 weights; fp16/bf16) after -O2',
    usage:
      'lathe quantize IN -o OUT --mode int8-dynamic|int8-static|int4-weight|fp16|bf16 [--calibration DIR] [--method minmax|percentile|entropy] [--per-channel|--per-tensor] [--symmetric] [--exclude NAMES] [--exclude-last] [--reduce-range] [--block 32|64|128] [--format qdq|msft] [--half-io] [--set-input-shape NAME=D0,D1,...] [--report FILE.json] [-O0|-O1|-O2]',
    values: ['output', 'mode', 'calibration', 'method', 'percentile', 'report', 'external-data', 'block', 'format'],
    flags: ['per-channel', 'per-tensor', 'symmetric', 'exclude-last', 'reduce-range', 'half-io', 'in-place', 'quiet'],
    lists: ['exclude', 'set-input-shape'],
    levels: true,
    optionHelp:
      `      --mode MODE               int8-dynamic, int8-static, int4-weight, fp16 or bf16
      --calibration DIR         test_data_set_* folders or input_K.pb files (default: 4 generated samples, with a warning)
      --method M                calibration of int8-static: minmax (default), percentile, entropy
      --percentile P            for --method percentile: the percentile of |x| kept (default 99.999)
      --per-channel             one weight scale per output channel (default)
      --per-tensor              one scale per weight
      --symmetric               int8 activations with zero point 0 (default uint8 with a zero point); int4: int4 weights without zero points
      --block N                 int4-weight: elements per scale along K, 32 (default), 64 or 128
      --format F                int4-weight: qdq (default; DequantizeLinear with block_size, opset 21+) or msft (com.microsoft MatMulNBits)
      --half-io                 fp16/bf16: graph inputs and outputs in half precision too (default: kept float32)
      --exclude NAMES           leave in float the nodes with these names or reading/writing these tensors (comma-separated; repeatable)
      --exclude-last            leave the last layer in float (int8-static)
      --reduce-range            int8: weights in 7 bits, for uint8 x int8 kernels that saturate on x86 CPUs without VNNI (onnxruntime's reduce_range)
      --set-input-shape NAME=D0,D1,...  fix the dims of input NAME first, as optimize does (generated samples take them; repeatable)
      --report FILE.json        also write the report as JSON
  -O2                           optimize first at this level (default -O2)
` + COMMON_OUT,
  },
  inspect: {
    summary: 'summarize a model: opsets, inputs/outputs, op histogram, parameters, external data',
    usage: 'lathe inspect IN [--json]',
    values: [],
    flags: ['json'],
    optionHelp: '      --json                    print one JSON object (int64 values as strings)\n',
  },
  passes: { summary: 'list the passes --passes may name, with their options', usage: 'lathe passes', values: [], flags: [], optionHelp: '', positionals: 0 },
  web: {
    summary: 'serve the page that optimizes models in the browser on 127.0.0.1 (the model never leaves the machine)',
    usage: 'lathe web [--port N]',
    values: ['port'],
    flags: [],
    optionHelp: '      --port N                  the port (default 8080; 0 picks a free one)\n',
    positionals: 0,
  },
  check: {
    summary: 'verify a model (structure, then static shape contradictions) and print its diagnostics (exit 2 when it has errors)',
    usage: 'lathe check IN',
    values: [],
    flags: [],
    optionHelp: '',
  },
  strip: {
    summary: 'remove large float tensor data, writing OUT and its weights sidecar (OUT minus .onnx + .weights.json)',
    usage: 'lathe strip IN -o OUT [--external-data MODE] [--in-place] [--quiet]',
    values: ['output', 'external-data'],
    flags: ['in-place', 'quiet'],
    optionHelp: COMMON_OUT,
  },
  fill: {
    summary: "give a skeleton's stripped tensors deterministic random data matching its weights sidecar",
    usage: 'lathe fill IN -o OUT [--seed N] [--weights SIDECAR] [--external-data MODE] [--in-place] [--quiet]',
    values: ['output', 'seed', 'weights', 'external-data'],
    flags: ['in-place', 'quiet'],
    optionHelp:
      `      --seed N                  PRNG seed, an integer in [0, 2^53) (default 0); same seed, same bytes
      --weights SIDECAR         the sidecar (default: IN minus .onnx + .weights.json, else IN.weights.json)
` + COMMON_OUT,
  },
  run: {
    summary: 'evaluate a model with the reference evaluator: input_K.pb / .npy files in, output files out',
    usage: 'lathe run IN (--inputs DIR | --input NAME=FILE ... | --random-inputs) -o OUTDIR [--seed N] [--npy] [--quiet]',
    values: ['output', 'inputs', 'seed'],
    flags: ['quiet', 'random-inputs', 'npy', 'clear'],
    lists: ['input', 'set-input-shape'],
    optionHelp:
      `      --inputs DIR              read DIR/input_K.pb (or .npy) for the K-th graph input (initializers excluded)
      --input NAME=FILE         the value of input NAME, a .pb or .npy file (repeatable; overrides --inputs)
      --random-inputs           random values for the inputs not given (shapes from the model; --seed)
      --set-input-shape NAME=D0,D1,...  bind the symbolic dims of input NAME (repeatable)
  -o, --output OUTDIR           write OUTDIR/output_K.pb and OUTDIR/NAME.pb for each graph output
      --npy                     also write OUTDIR/NAME.npy
      --clear                   delete earlier lathe outputs in OUTDIR (otherwise they are refused)
      --seed N                  seed of the random ops and random inputs (default 0)
  -q, --quiet                   print nothing on success
`,
  },
  print: {
    summary: 'print a model in the ONNX text syntax',
    usage: 'lathe print IN [-o FILE]',
    values: ['output'],
    flags: [],
    optionHelp: '  -o, --output FILE             write the text to FILE (default: standard output)\n',
  },
  parse: {
    summary: 'read a model in the ONNX text syntax and write it as ONNX',
    usage: 'lathe parse IN.txt -o OUT [--external-data MODE] [--quiet]',
    values: ['output', 'external-data'],
    flags: ['quiet'],
    optionHelp:
      `  -o, --output OUT              where to write the model
      --external-data MODE      auto (default), always, never
  -q, --quiet                   print nothing on success
`,
  },
  compare: {
    summary: 'run two models on the same inputs and compare their outputs (exit 1 when they differ)',
    usage: 'lathe compare A B (--inputs DIR | --input NAME=FILE ... | --random-inputs) [--seed N] [--rtol R] [--atol A]',
    values: ['inputs', 'seed', 'rtol', 'atol'],
    flags: ['random-inputs', 'quiet'],
    lists: ['input', 'set-input-shape'],
    positionals: 2,
    optionHelp:
      `      --inputs DIR              read DIR/input_K.pb (or .npy) for the K-th graph input of A
      --input NAME=FILE         the value of input NAME (repeatable; overrides --inputs)
      --random-inputs           random values for the inputs not given (shapes from A; --seed)
      --set-input-shape NAME=D0,D1,...  bind the symbolic dims of input NAME (repeatable)
      --seed N                  seed of the random inputs and random ops (default 0)
      --rtol R                  relative tolerance (default 1e-3)
      --atol A                  absolute tolerance (default 1e-5); equal when |a-b| <= atol + rtol*|b|
  -q, --quiet                   print only the differences past the tolerance
`,
  },
};

const SHORT: Readonly<Record<string, string>> = { '-o': 'output', '-q': 'quiet', '-h': 'help' };

/** The top-level help. */
export function globalHelp(): string {
  const names = Object.keys(COMMANDS) as Command[];
  const width = Math.max(...names.map((n) => n.length));
  return (
    `lathe: an ONNX graph optimizer\n\nusage: lathe COMMAND IN [options]\n\ncommands:\n` +
    names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}\n`).join('') +
    `\nlathe COMMAND --help shows a command's options; lathe --version prints the version.\n` +
    `Exit codes: 0 ok, 1 usage error (or, for compare, outputs that differ), 2 bad input, 70 internal error (a bug; LATHE_DEBUG=1 adds stacks).\n`
  );
}

/** The help of one command. */
export function commandHelp(command: Command): string {
  const spec = COMMANDS[command];
  return `usage: ${spec.usage}\n\n${spec.summary}\n${spec.optionHelp ? `\noptions:\n${alignOptions(spec.optionHelp)}` : ''}`;
}

/** Widest option column before a description moves to the next line. */
const OPTION_COLUMN_MAX = 30;

/**
 * Re-aligns option lines (`  -o, --output OUT   description`: an option part, two or more spaces,
 * a description) so every description starts in one column, whoever wrote the table; an option
 * part wider than OPTION_COLUMN_MAX gets its description on the next line.
 */
export function alignOptions(text: string): string {
  const rows = text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^(\s*)(\S(?:\S| (?! ))*)\s{2,}(\S.*)$/.exec(line);
      return m ? { option: `${m[1].length >= 6 ? '      ' : '  '}${m[2]}`, desc: m[3] } : { option: line, desc: undefined };
    });
  const fitting = rows.filter((r) => r.desc !== undefined && r.option.length <= OPTION_COLUMN_MAX).map((r) => r.option.length);
  const column = Math.max(0, ...fitting) + 2;
  return rows
    .map((r) => {
      if (r.desc === undefined) return `${r.option}\n`;
      if (r.option.length + 2 > column) return `${r.option}\n${' '.repeat(column)}${r.desc}\n`;
      return `${r.option.padEnd(column)}${r.desc}\n`;
    })
    .join('');
}

/** Levenshtein distance, stopping early past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** ` (did you mean 'X'?)` for the closest candidate within edit distance 2, else ''. */
export function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word, c, 2);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best === undefined ? '' : `; did you mean '${best}'?`;
}

function optionNames(spec: CommandSpec): string[] {
  return [...spec.values, ...spec.flags, ...(spec.lists ?? []), 'help'].map((n) => `--${n}`);
}

function isCommand(s: string): s is Command {
  return Object.prototype.hasOwnProperty.call(COMMANDS, s);
}

/** Parses `lathe ARGS` (without the node/script prefix). Throws `UsageError`. */
export function parseArgs(argv: readonly string[]): ParseResult {
  if (argv.length === 0) throw new UsageError('missing command');
  const first = argv[0];
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv[1];
    if (topic !== undefined && isCommand(topic)) return { kind: 'help', text: commandHelp(topic) };
    if (topic !== undefined && !topic.startsWith('-')) throw new UsageError(`no help on '${topic}'${suggestion(topic, Object.keys(COMMANDS))}`);
    return { kind: 'help', text: globalHelp() };
  }
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `unknown option '${first}'${suggestion(first, ['--help', '--version'])}`
        : `unknown command '${first}'${suggestion(first, Object.keys(COMMANDS))}`,
    );
  }
  const command = first;
  const spec = COMMANDS[command];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const lists = new Map<string, string[]>();
  const positional: string[] = [];
  let onlyPositional = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    if (spec.levels && /^-O\d+$/.test(arg)) {
      if (values.has('level')) throw new UsageError(`more than one -O level given`, command);
      values.set('level', arg.slice(2));
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const long = SHORT[arg];
      if (long === undefined) throw new UsageError(`unknown option '${arg}'${suggestion(arg, optionNames(spec))}`, command);
      name = long;
    }
    if (name === 'help') return { kind: 'help', text: commandHelp(command) };
    if (spec.lists?.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`option '${arg}' needs a value`, command);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else if (spec.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`option '${arg}' needs a value`, command);
      if (values.has(name)) throw new UsageError(`option '--${name}' given twice`, command);
      values.set(name, value);
    } else if (spec.flags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`option '--${name}' takes no value`, command);
      flags.add(name);
    } else {
      const word = arg.startsWith('--') ? `--${name}` : arg;
      throw new UsageError(`unknown option '${arg}'${suggestion(word, optionNames(spec))}`, command);
    }
  }
  const want = spec.positionals ?? 1;
  if (want === 0) {
    if (positional.length > 0) throw new UsageError(`${command}: takes no input file`, command);
    return { kind: 'run', command, input: '', values, flags, lists, positional };
  }
  if (positional.length === 0) throw new UsageError(`${command}: missing input file`, command);
  if (positional.length < want) throw new UsageError(`${command}: ${want} input files expected, got ${positional.length}`, command);
  if (positional.length > want) {
    throw new UsageError(`${command}: ${want === 1 ? 'one input file' : `${want} input files`} expected, got ${positional.length}`, command);
  }
  return { kind: 'run', command, input: positional[0], values, flags, lists, positional };
}

/**
 * `lathe` argument parsing and help texts. Strict: an unknown option, a missing value, a repeated
 * option or a second input is a `UsageError` (exit 1), never silently ignored.
 */

export type Command = 'optimize' | 'inspect' | 'check' | 'strip' | 'fill' | 'run';

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
}

const COMMON_OUT = `  -o, --output OUT              where to write (refused when it is IN, unless --in-place)
      --in-place                allow OUT to be IN (then -o may be omitted)
      --external-data MODE      auto (default: large models get OUT.data), always, never
  -q, --quiet                   print nothing on success
`;

export const COMMANDS: Readonly<Record<Command, CommandSpec>> = {
  optimize: {
    summary: 'optimize a model (this release: -O0, i.e. load, verify and write back)',
    usage: 'lathe optimize IN -o OUT [-O0|-O1|-O2] [--passes PIPELINE] [--external-data MODE] [--in-place] [--quiet] [--report]',
    values: ['output', 'passes', 'external-data'],
    flags: ['in-place', 'quiet', 'report'],
    levels: true,
    optionHelp:
      `  -O0                           lift and emit only (default; -O1/-O2 arrive with the pass framework)
      --passes PIPELINE         run these passes, comma-separated (e.g. infer-shapes)
      --report                      also print the per-op node counts before -> after
` + COMMON_OUT,
  },
  inspect: {
    summary: 'summarize a model: opsets, inputs/outputs, op histogram, parameters, external data',
    usage: 'lathe inspect IN [--json]',
    values: [],
    flags: ['json'],
    optionHelp: '      --json                    print one JSON object (int64 values as strings)\n',
  },
  check: {
    summary: 'verify a model and print its diagnostics (exit 2 when it has errors)',
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
    summary: 'evaluate a model with the reference evaluator: input_K.pb files in, output_K.pb files out',
    usage: 'lathe run IN (--inputs DIR | --input NAME=FILE.pb ...) -o OUTDIR [--seed N] [--quiet]',
    values: ['output', 'inputs', 'seed'],
    flags: ['quiet'],
    lists: ['input'],
    optionHelp:
      `      --inputs DIR              read DIR/input_K.pb for the K-th graph input (initializers excluded)
      --input NAME=FILE.pb      the value of input NAME (repeatable; overrides --inputs)
  -o, --output OUTDIR           write OUTDIR/output_K.pb for the K-th graph output
      --seed N                  seed of the random ops (default 0)
  -q, --quiet                   print nothing on success
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
    `Exit codes: 0 ok, 1 usage error, 2 bad input, 70 internal error (a bug; LATHE_DEBUG=1 adds stacks).\n`
  );
}

/** The help of one command. */
export function commandHelp(command: Command): string {
  const spec = COMMANDS[command];
  return `usage: ${spec.usage}\n\n${spec.summary}\n${spec.optionHelp ? `\noptions:\n${spec.optionHelp}` : ''}`;
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
    return { kind: 'help', text: globalHelp() };
  }
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isCommand(first)) {
    throw new UsageError(first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`);
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
      if (long === undefined) throw new UsageError(`unknown option '${arg}'`, command);
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
      throw new UsageError(`unknown option '${arg}'`, command);
    }
  }
  if (positional.length === 0) throw new UsageError(`${command}: missing input file`, command);
  if (positional.length > 1) throw new UsageError(`${command}: one input file expected, got ${positional.length}`, command);
  return { kind: 'run', command, input: positional[0], values, flags, lists };
}

/**
 * Schedules (DESIGN.md "Schedules"): pipelines as data, with a text form that round-trips.
 *
 *   inline-functions,fixpoint{max=8}(fold-constants{limit=1024},eliminate-dead-code)
 *
 * Grammar: `list := item (',' item)*`; `item := NAME options? | 'seq' '(' list? ')' |
 * 'repeat' '{n=N}' '(' list ')' | 'fixpoint' ('{max=N}')? '(' list ')'`; `options := '{' k=v (',' k=v)* '}'`.
 * A list of several items is a `seq`; a list of one is that item. Option values are typed from the
 * pass's defaults (number, boolean or string; a string that is not a plain word is written in
 * double quotes, JSON-style). `seq`, `repeat` and `fixpoint` are reserved words, not pass names.
 *
 * `printSchedule` is canonical: options equal to their defaults are left out (so is `max=8` of
 * `fixpoint`), and `print(parse(t))` is the canonical form of `t`, `parse(print(s))` equals `s`.
 * The registry is passed in (no module-global registry: `src/` cannot import `passes/`).
 */
import { LatheError } from '../ir/error.js';
import type { Pass, PassFactory } from './pass.js';

/** Pass factories by pipeline name (passes/index.ts gives the standard one). */
export type PassRegistry = Readonly<Record<string, PassFactory>>;

export type Schedule =
  | { readonly kind: 'pass'; readonly pass: Pass }
  | { readonly kind: 'seq'; readonly steps: readonly Schedule[] }
  /** `body` run `times` times. */
  | { readonly kind: 'repeat'; readonly times: number; readonly body: Schedule }
  /** `body` until an iteration changes nothing (identity), at most `maxIterations` times. */
  | { readonly kind: 'fixpoint'; readonly maxIterations: number; readonly body: Schedule };

/** `fixpoint(...)` without `{max=N}`: MLIR's canonicalizer and onnxscript stop about there too. */
export const DEFAULT_FIXPOINT_MAX = 8;

type Step = Schedule | Pass;
const asSchedule = (s: Step): Schedule => (s.kind === 'pass' && 'run' in s ? { kind: 'pass', pass: s } : (s as Schedule));

/** A sequence of passes or schedules. */
export function seq(...steps: Step[]): Schedule {
  return { kind: 'seq', steps: steps.map(asSchedule) };
}

/** `steps` (as a sequence when several) run `times` times. */
export function repeat(times: number, ...steps: Step[]): Schedule {
  checkCount('repeat', 'n', times, 0);
  return { kind: 'repeat', times, body: steps.length === 1 ? asSchedule(steps[0]!) : seq(...steps) };
}

/** `steps` run until a whole iteration leaves the model unchanged, at most `maxIterations` times. */
export function fixpoint(options: { maxIterations?: number }, ...steps: Step[]): Schedule {
  const max = options.maxIterations ?? DEFAULT_FIXPOINT_MAX;
  checkCount('fixpoint', 'max', max, 1);
  return { kind: 'fixpoint', maxIterations: max, body: steps.length === 1 ? asSchedule(steps[0]!) : seq(...steps) };
}

/** A schedule of one pass. */
export function step(pass: Pass): Schedule {
  return { kind: 'pass', pass };
}

/** Loops are bounded: a pipeline from the command line must not run a pass a billion times. */
const MAX_COUNT = 10_000;

function checkCount(what: string, key: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n > MAX_COUNT) {
    throw new LatheError(`${what}{${key}=…} must be an integer in [${min}, ${MAX_COUNT}] (got ${n})`);
  }
}

// ---------------------------------------------------------------- printing

const WORD = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;

/**
 * `lenient`: a value text cannot carry (Infinity, NaN, a list) is written as JavaScript would
 * instead of refused: for naming a pass in records and messages, never for parsing back.
 */
function printValue(v: unknown, where: string, lenient: boolean): string {
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) {
      if (lenient) return String(v);
      throw new LatheError(`${where}: ${v} cannot be written in pipeline text`);
    }
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'string') return WORD.test(v) && v !== 'true' && v !== 'false' ? v : JSON.stringify(v);
  if (lenient) return lenientText(v);
  throw new LatheError(`${where}: only number, boolean and string options can be written in pipeline text`);
}

/** The options of `pass` that differ from its defaults, as `{k=v,…}` (empty when none). */
function printOptions(pass: Pass, lenient: boolean): string {
  const options = pass.options as Record<string, unknown>;
  const defaults = (pass.defaults ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(defaults, key) && Object.is(defaults[key], options[key])) continue;
    parts.push(`${key}=${printValue(options[key], `option '${key}' of pass '${pass.name}'`, lenient)}`);
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** The body of a loop: a sequence of two or more prints bare, anything else as one item. */
function printList(s: Schedule, lenient: boolean): string {
  return s.kind === 'seq' && s.steps.length >= 2 ? s.steps.map((x) => printItem(x, lenient)).join(',') : printItem(s, lenient);
}

function printItem(s: Schedule, lenient: boolean): string {
  switch (s.kind) {
    case 'pass':
      return s.pass.name + printOptions(s.pass, lenient);
    case 'seq':
      return `seq(${s.steps.map((x) => printItem(x, lenient)).join(',')})`;
    case 'repeat':
      return `repeat{n=${s.times}}(${printList(s.body, lenient)})`;
    case 'fixpoint':
      return `fixpoint${s.maxIterations === DEFAULT_FIXPOINT_MAX ? '' : `{max=${s.maxIterations}}`}(${printList(s.body, lenient)})`;
  }
}

function lenientText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v); // a bigint, a cycle
  }
}

/** The canonical text of a schedule (see the module comment). */
export function printSchedule(s: Schedule): string {
  return printList(s, false);
}

/**
 * `printSchedule`, except that option values text cannot carry are written as JavaScript would
 * (`fold-constants{limit=Infinity}`) rather than refused. The runner names passes and the report
 * its pipeline this way: a pass built in code with such an option runs like any other.
 */
export function describeSchedule(s: Schedule): string {
  return printList(s, true);
}

/**
 * `s` with every step of pass `name` rebuilt by its factory in `registry` with `overrides` over its
 * own options (`--fold-limit` sets fold-constants' `limit` this way in a level's pipeline). Steps
 * of other passes, and the whole schedule when no step is `name`, are returned as they were.
 */
export function withPassOptions(s: Schedule, name: string, overrides: Readonly<Record<string, unknown>>, registry: PassRegistry): Schedule {
  switch (s.kind) {
    case 'pass': {
      if (s.pass.name !== name) return s;
      const factory = registry[name];
      if (!factory) throw new LatheError(`unknown pass '${name}'`);
      return { kind: 'pass', pass: factory({ ...(s.pass.options as object), ...overrides }) };
    }
    case 'seq': {
      const steps = s.steps.map((t) => withPassOptions(t, name, overrides, registry));
      return steps.every((t, i) => t === s.steps[i]) ? s : { ...s, steps };
    }
    case 'repeat':
    case 'fixpoint': {
      const body = withPassOptions(s.body, name, overrides, registry);
      return body === s.body ? s : { ...s, body };
    }
  }
}

// ---------------------------------------------------------------- parsing

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Nesting deeper than this is refused: the parser recurses, and the text comes from users. */
const MAX_NESTING = 64;
const RESERVED = new Set(['seq', 'repeat', 'fixpoint']);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly registry: PassRegistry,
  ) {}

  private fail(message: string): never {
    const near = this.pos >= this.text.length ? 'at the end' : `at column ${this.pos + 1}`;
    throw new LatheError(`pipeline: ${message} (${near} of '${shorten(this.text, 80)}')`);
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    this.skip();
    return this.text[this.pos];
  }

  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  private expect(c: string): void {
    if (!this.eat(c)) this.fail(`expected '${c}'`);
  }

  /** A name or a bare option value: everything up to the next delimiter. */
  private word(): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s,(){}=]/.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  parseAll(): Schedule {
    const s = this.list();
    if (this.peek() !== undefined) this.fail(`unexpected '${this.text[this.pos]}'`);
    return s;
  }

  private items(): Schedule[] {
    const items = [this.item()];
    while (this.eat(',')) items.push(this.item());
    return items;
  }

  private list(): Schedule {
    const items = this.items();
    return items.length === 1 ? items[0]! : { kind: 'seq', steps: items };
  }

  private item(): Schedule {
    if (this.depth >= MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
    this.depth++;
    try {
      return this.itemAt();
    } finally {
      this.depth--;
    }
  }

  private itemAt(): Schedule {
    const name = this.word();
    if (name === '') this.fail(this.peek() === undefined || this.peek() === ',' || this.peek() === ')' ? 'empty pass name' : `unexpected '${this.peek()}'`);
    if (name === 'seq') {
      this.expect('(');
      if (this.eat(')')) return { kind: 'seq', steps: [] };
      const steps = this.items();
      this.expect(')');
      return { kind: 'seq', steps };
    }
    if (name === 'repeat' || name === 'fixpoint') {
      const opts = this.peek() === '{' ? this.rawOptions() : new Map<string, string>();
      const key = name === 'repeat' ? 'n' : 'max';
      for (const k of opts.keys()) if (k !== key) this.fail(`${name} has no option '${k}' (only ${key})`);
      const raw = opts.get(key);
      if (raw === undefined && name === 'repeat') this.fail(`repeat needs {n=N}`);
      const n = raw === undefined ? DEFAULT_FIXPOINT_MAX : /^\d+$/.test(raw) ? Number(raw) : NaN;
      this.expect('(');
      const body = this.list();
      this.expect(')');
      try {
        return name === 'repeat' ? repeat(n, body) : fixpoint({ maxIterations: n }, body);
      } catch (e) {
        if (e instanceof LatheError) this.fail(e.message);
        throw e;
      }
    }
    const factory = NAME.test(name) && !RESERVED.has(name) && Object.hasOwn(this.registry, name) ? this.registry[name] : undefined;
    if (!factory) {
      const known = Object.keys(this.registry).sort();
      throw new LatheError(`unknown pass '${shorten(name, 60)}' (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    const raw = this.peek() === '{' ? this.rawOptions() : new Map<string, string>();
    const defaults = (factory.defaults ?? factory().options) as Record<string, unknown>;
    const overrides: Record<string, unknown> = {};
    for (const [k, v] of raw) {
      if (!Object.hasOwn(defaults, k)) {
        const known = Object.keys(defaults);
        throw new LatheError(`pass '${name}' has no option '${shorten(k, 40)}' (${known.length > 0 ? `options: ${known.join(', ')}` : 'it takes none'})`);
      }
      overrides[k] = typedValue(name, k, v, defaults[k]);
    }
    return { kind: 'pass', pass: factory(overrides) };
  }

  /** `{k=v,…}` as raw strings (quoted strings keep their quotes); a key given twice is refused. */
  private rawOptions(): Map<string, string> {
    this.expect('{');
    const out = new Map<string, string>();
    if (this.eat('}')) return out;
    do {
      const key = this.word();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) this.fail(key === '' ? 'expected an option name' : `bad option name '${shorten(key, 40)}'`);
      this.expect('=');
      const value = this.peek() === '"' ? this.quoted() : this.word();
      if (value === '') this.fail(`option '${key}' needs a value`);
      if (out.has(key)) this.fail(`option '${key}' given twice`);
      out.set(key, value);
    } while (this.eat(','));
    this.expect('}');
    return out;
  }

  private quoted(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.pos++;
    return this.text.slice(start, this.pos);
  }
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** The option's value in the type of its default. */
function typedValue(pass: string, key: string, raw: string, def: unknown): unknown {
  const bad = (what: string): never => {
    throw new LatheError(`option '${key}' of pass '${pass}' must be ${what} (got ${shorten(raw, 40)})`);
  };
  if (typeof def === 'number') {
    const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    return Number.isFinite(n) ? n : bad('a number');
  }
  if (typeof def === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : bad('true or false');
  if (typeof def === 'string') {
    if (!raw.startsWith('"')) return raw;
    try {
      return JSON.parse(raw) as string;
    } catch {
      return bad('a string');
    }
  }
  throw new LatheError(`option '${key}' of pass '${pass}' cannot be set in pipeline text (not a number, boolean or string)`);
}

/**
 * Parses pipeline text against `registry`. An unknown pass or option, a value of the wrong type or
 * a syntax error is a LatheError naming it.
 */
export function parsePipeline(text: string, registry: PassRegistry): Schedule {
  return new Parser(text, registry).parseAll();
}

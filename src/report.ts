/**
 * The optimization report (issue 7): node counts and the op histogram before and after, bytes
 * before and after (files, when the CLI wrote them), time and changes per pass, the rules that
 * fired, warnings. One data shape (`OptimizeReport`, schema in REPORT.md) printed as text by
 * `lathe optimize` or written as JSON by `--report FILE.json`.
 */
import type { Model } from '../ir/types.js';
import { formatBytes, formatCount, opLabel, summarizeModel, type ModelSummary } from './inspect.js';
import type { PassRecord } from './runner.js';

/** Bumped when a field changes meaning or disappears (adding a field does not bump it). */
export const REPORT_SCHEMA_VERSION = 1;

export interface OpChange {
  /** `Op`, or `domain.Op` outside the default domain. */
  readonly op: string;
  readonly before: number;
  readonly after: number;
}

export interface PassSummary {
  /** The pass's name (all its runs and option variants together). */
  readonly pass: string;
  /** How many times it ran (a pass inside a fixpoint runs once per iteration). */
  readonly runs: number;
  /** How many of those runs changed the model. */
  readonly changed: number;
  readonly ms: number;
  /** The pass's own counters (`key` → count), rule counts excluded (they are in `rules`). */
  readonly stats: Readonly<Record<string, number>>;
}

export interface RuleCount {
  readonly pass: string;
  readonly rule: string;
  /** Rewrites the rule made. */
  readonly count: number;
}

export interface OptimizeReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** -O level, or null when `--passes`/`pipeline` replaced it. */
  readonly level: number | null;
  /** The pipeline that ran, in canonical text ('' for none). */
  readonly pipeline: string;
  /** Nodes of all graphs, subgraphs and functions. */
  readonly nodes: { readonly before: number; readonly after: number };
  /** Ops whose count changed, in the order of the input's histogram, then new ones. */
  readonly ops: readonly OpChange[];
  /** File bytes, model plus external data (only when files were read and written). */
  readonly bytes?: { readonly before: number; readonly after: number };
  /** Milliseconds: `passes` always; `load`, `verify`, `save` when the CLI did them. */
  readonly timeMs: { readonly load?: number; readonly verify?: number; readonly passes: number; readonly save?: number };
  readonly passes: readonly PassSummary[];
  /** Rules that fired, most first. */
  readonly rules: readonly RuleCount[];
  readonly warnings: readonly string[];
}

function opCounts(s: ModelSummary): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of [...s.ops, ...s.nestedOps]) m.set(opLabel(o), (m.get(opLabel(o)) ?? 0) + o.count);
  return m;
}

/** Ops whose count differs between two summaries (removed and new ones included). */
export function opChanges(before: ModelSummary, after: ModelSummary): OpChange[] {
  const b = opCounts(before);
  const a = opCounts(after);
  return [...new Set([...b.keys(), ...a.keys()])]
    .filter((k) => (b.get(k) ?? 0) !== (a.get(k) ?? 0))
    .map((op) => ({ op, before: b.get(op) ?? 0, after: a.get(op) ?? 0 }));
}

const RULE_KEY = /^([^/]+)\/rule\/(.+)$/;

export interface ReportInput {
  readonly before: Model | ModelSummary;
  readonly after: Model | ModelSummary;
  readonly level: number | null;
  readonly pipeline: string;
  readonly records: readonly PassRecord[];
  readonly stats: ReadonlyMap<string, number>;
  readonly warnings: readonly string[];
  readonly bytes?: { readonly before: number; readonly after: number };
  readonly timeMs?: { readonly load?: number; readonly verify?: number; readonly save?: number };
}

const summaryOf = (m: Model | ModelSummary): ModelSummary => ('graph' in m ? summarizeModel(m) : m);

/** Builds the report from what a run produced. */
export function buildReport(input: ReportInput): OptimizeReport {
  const before = summaryOf(input.before);
  const after = input.after === input.before ? before : summaryOf(input.after);
  const passes = new Map<string, { runs: number; changed: number; ms: number; stats: Record<string, number> }>();
  for (const r of input.records) {
    const p = passes.get(r.name) ?? { runs: 0, changed: 0, ms: 0, stats: {} };
    p.runs++;
    if (r.changed) p.changed++;
    p.ms += r.ms;
    passes.set(r.name, p);
  }
  const rules: RuleCount[] = [];
  for (const [key, count] of input.stats) {
    const rule = RULE_KEY.exec(key);
    if (rule) {
      rules.push({ pass: rule[1], rule: rule[2], count });
      continue;
    }
    const slash = key.indexOf('/');
    const name = slash > 0 ? key.slice(0, slash) : key;
    const p = passes.get(name) ?? { runs: 0, changed: 0, ms: 0, stats: {} };
    p.stats[slash > 0 ? key.slice(slash + 1) : key] = count;
    passes.set(name, p);
  }
  rules.sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const passesMs = input.records.reduce((s, r) => s + r.ms, 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    level: input.level,
    pipeline: input.pipeline,
    nodes: { before: before.nodes.total, after: after.nodes.total },
    ops: opChanges(before, after),
    ...(input.bytes && { bytes: input.bytes }),
    timeMs: { ...input.timeMs, passes: passesMs },
    passes: [...passes].map(([pass, p]) => ({ pass, ...p })),
    rules,
    warnings: [...input.warnings],
  };
}

/** Warnings printed before '… and N more'. */
const MAX_WARNINGS_SHOWN = 20;

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);

/** The report as the text `lathe optimize` prints (indented lines; the caller prints the header). */
export function formatReport(r: OptimizeReport): string {
  const lines: string[] = [];
  const bytes = r.bytes ? `, size ${formatBytes(r.bytes.before)} -> ${formatBytes(r.bytes.after)}` : '';
  lines.push(`nodes ${formatCount(r.nodes.before)} -> ${formatCount(r.nodes.after)}${bytes}`);
  const t = r.timeMs;
  const times = [t.load !== undefined && `load ${ms(t.load)}`, t.verify !== undefined && `verify ${ms(t.verify)}`, `passes ${ms(t.passes)}`, t.save !== undefined && `save ${ms(t.save)}`];
  lines.push(`time: ${times.filter((x) => x !== false).join(', ')}`);
  lines.push(r.level !== null ? `pipeline -O${r.level}${r.pipeline ? `: ${r.pipeline}` : ' (no passes)'}` : `pipeline: ${r.pipeline}`);
  if (r.ops.length > 0) {
    lines.push('ops (before -> after):');
    for (const o of r.ops) lines.push(`  ${o.op}: ${o.before} -> ${o.after}`);
  } else lines.push('op counts unchanged');
  if (r.passes.length > 0) {
    lines.push('passes (runs, changed, time, stats):');
    for (const p of r.passes) {
      const stats = Object.entries(p.stats).map(([k, n]) => `${k} ${n}`).join(', ');
      lines.push(`  ${p.pass}: ${p.runs} run${p.runs === 1 ? '' : 's'}, ${p.changed} changed, ${ms(p.ms)}${stats ? `; ${stats}` : ''}`);
    }
  }
  if (r.rules.length > 0) {
    lines.push('rules fired:');
    for (const x of r.rules) lines.push(`  ${x.pass}/${x.rule}: ${x.count}`);
  }
  if (r.warnings.length > 0) {
    lines.push(`warnings: ${r.warnings.length}`);
    for (const w of r.warnings.slice(0, MAX_WARNINGS_SHOWN)) lines.push(`  ${w.split('\n')[0]}`);
    if (r.warnings.length > MAX_WARNINGS_SHOWN) lines.push(`  … and ${r.warnings.length - MAX_WARNINGS_SHOWN} more`);
  }
  return lines.map((l) => `  ${l}\n`).join('');
}

const TIME_KEYS = new Set(['load', 'verify', 'passes', 'save']);

/** The report as the JSON `--report FILE.json` writes (two-space indented, newline-terminated). */
export function reportToJson(r: OptimizeReport): string {
  // times to the microsecond: more digits are clock noise
  return `${JSON.stringify(r, (k, v) => (typeof v === 'number' && (k === 'ms' || TIME_KEYS.has(k)) ? Math.round(v * 1000) / 1000 : v), 2)}\n`;
}

/**
 * `npm run fuzz -- [--budget 60s] [--out .fuzz] [--seed N] [--only GLOB]`: longer checkPass
 * campaigns than CI's fixed seeds. Round after round until the time budget is spent, every
 * registered pass (on default generated models) and every rewrite rule alone (on models planted
 * with its pattern, bench/rule-targets.ts) is checked with a fresh seed. Each counterexample is
 * written as ONNX text (the shrunk model, the pass output, the feeds and differences, and the
 * replay line) into the output folder; a summary ends the run. Exit 1 when something was found.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertFloat16CheckOptions } from '../passes/convert-float16/check-options.js';
import { passes } from '../passes/index.js';
import { quantizeCheckTargets } from '../passes/quantize-check.js';
import { ruleGlob } from '../src/pattern/index.js';
import { checkPass, CheckPassError, type Checkable, type CheckPassOptions } from '../src/testing.js';
import { RULE_FAMILIES, ruleGenerateOptions, rulePass } from './rule-targets.js';

interface Target {
  readonly name: string;
  readonly pass: Checkable;
  readonly options: CheckPassOptions;
}

interface Tally {
  rounds: number;
  models: number;
  failures: number;
  seconds: number;
  problems: Set<string>;
}

/** `60s`, `2m`, `90` (seconds) → milliseconds. */
export function parseBudget(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--budget: '${text}' is not a duration (60s, 2m, 1h)`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

function args(argv: readonly string[]): { budget: number; out: string; seed: number; only: (name: string) => boolean } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = get('--only');
  return {
    budget: parseBudget(get('--budget') ?? '60s'),
    out: get('--out') ?? '.fuzz',
    seed: Number(get('--seed') ?? Math.floor(Math.random() * 0x7fffffff)),
    only: only ? ruleGlob(only) : () => true,
  };
}

function targets(): Target[] {
  // A pass that lowers precision is held to its own bound, on models where one exists.
  const own: Readonly<Record<string, { pass: Checkable; options: CheckPassOptions }>> = {
    'convert-float16': { pass: passes['convert-float16'], options: convertFloat16CheckOptions() },
    ...quantizeCheckTargets(),
  };
  const out: Target[] = Object.entries(passes).map(([name, factory]) => ({ name: `pass/${name}`, pass: own[name]?.pass ?? factory, options: { runs: 20, ...own[name]?.options } }));
  for (const { pass, rules, infer } of RULE_FAMILIES) {
    for (const r of rules) out.push({ name: `rule/${pass}/${r.name}`, pass: rulePass(r, infer), options: { runs: 20, focus: 8, generate: ruleGenerateOptions(r) } });
  }
  return out;
}

function main(): number {
  const { budget, out, seed, only } = args(process.argv.slice(2));
  const list = targets().filter((t) => only(t.name) || only(t.name.split('/').pop()!));
  if (list.length === 0) throw new Error('--only matches no pass or rule');
  mkdirSync(out, { recursive: true });
  const tally = new Map(list.map((t) => [t.name, { rounds: 0, models: 0, failures: 0, seconds: 0, problems: new Set<string>() } as Tally]));
  const start = Date.now();
  let round = 0;
  let written = 0;
  console.log(`fuzz: ${list.length} targets, budget ${budget / 1000}s, first seed ${seed}, counterexamples in ${out}/`);
  outer: for (;;) {
    for (const t of list) {
      if (Date.now() - start >= budget) break outer;
      const s = (seed + round * 7919 + list.indexOf(t)) % 0x7fffffff;
      const entry = tally.get(t.name)!;
      const t0 = Date.now();
      try {
        entry.models += checkPass(t.pass, { ...t.options, seed: s }).models;
      } catch (e) {
        entry.failures++;
        const problem = e instanceof CheckPassError ? e.problem : `checkPass itself failed: ${(e as Error).message.split('\n')[0]}`;
        const file = join(out, `${t.name.replace(/\//g, '__')}-seed${s}.onnx.txt`);
        // The report is the model and output as ONNX text with the replay line and differences.
        writeFileSync(file, e instanceof Error ? e.message + '\n' : String(e));
        written++;
        if (!entry.problems.has(problem)) console.log(`  ${t.name} (seed ${s}): ${problem} -> ${file}`);
        entry.problems.add(problem);
      }
      entry.rounds++;
      entry.seconds += (Date.now() - t0) / 1000;
    }
    round++;
  }
  const rows = [...tally.entries()].filter(([, v]) => v.rounds > 0);
  const failed = rows.filter(([, v]) => v.failures > 0);
  console.log(`\nfuzz summary: ${((Date.now() - start) / 1000).toFixed(0)} s, ${round} full rounds, ${rows.reduce((n, [, v]) => n + v.models, 0)} models checked over ${rows.length} targets`);
  for (const [name, v] of failed) console.log(`  FAILED ${name}: ${v.failures} of ${v.rounds} seeds; ${[...v.problems].join(' | ')}`);
  console.log(failed.length === 0 ? '  no counterexample' : `  ${written} counterexamples written to ${out}/`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main();

/**
 * Harness for bad-input tests of the CLI: `lathe(...)` runs `runCli` in process on the real Node
 * platform with stdout/stderr captured, and the `expect*` helpers state the contract for refused
 * input (exit 2, exactly one stderr line `lathe: IN: …`, nothing written next to OUT). Re-exports
 * the protobuf wire helpers of wire-bytes.ts for crafting bytes by hand.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadModel } from '../../node/io.js';
import { createNodePlatform } from '../../node/platform.js';
import { passes } from '../../passes/index.js';
import { runCli, type PassSource, type Platform } from '../../src/cli.js';

// Made on first use: a test file that imports the harness only for its helpers (and so never
// calls removeCaseDirs) must not leave an empty folder in the temp dir.
let root: string | undefined;

/** Removes every folder `freshDir` made (call from afterAll). */
export function removeCaseDirs(): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

let cases = 0;
/** A fresh, empty folder for one case. */
export function freshDir(): string {
  root ??= mkdtempSync(join(tmpdir(), 'lathe-bad-input-'));
  const d = join(root, `c${cases++}`);
  mkdirSync(d);
  return d;
}

export interface Run {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** `lathe ARGS` in process on the real file system (the shipped passes registered), with stdout/stderr captured. */
export function lathe(...args: string[]): Promise<Run> {
  return latheWith(passes, ...args);
}

/** `lathe` with the passes of `passSource` registered (as the real CLI has them). */
export async function latheWith(passSource: PassSource, ...args: string[]): Promise<Run> {
  const r = { out: '', err: '' };
  const platform: Platform = {
    ...createNodePlatform(),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: () => undefined,
    stdout: (t) => void (r.out += t),
    stderr: (t) => void (r.err += t),
    progress: () => {},
  };
  const t0 = performance.now();
  let code: number;
  try {
    code = await runCli(args, platform, passSource);
  } catch (e) {
    throw new Error(`runCli threw (it must return an exit code): ${(e as Error).stack}`);
  }
  return { code, ...r, ms: performance.now() - t0 };
}

/** Writes `bytes` as `in.onnx` in a fresh folder; returns its path and folder. */
export function input(bytes: Uint8Array, name = 'in.onnx', dir = freshDir()): { dir: string; path: string } {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { dir, path };
}

export function show(r: Run): string {
  return `exit ${r.code}\n--- stderr\n${r.err}--- stdout\n${r.out.slice(0, 2000)}`;
}

/** stderr is exactly one line naming the input. */
export function expectOneLine(r: Run, path: string): void {
  expect(r.err.startsWith(`lathe: ${path}: `), show(r)).toBe(true);
  expect(r.err.endsWith('\n'), show(r)).toBe(true);
  expect(r.err.slice(0, -1).includes('\n'), show(r)).toBe(false);
  expect(r.err).not.toMatch(/internal error|\bat .*\.[jt]s:\d+/);
}

/** The folder holds exactly `files` (no OUT, no `.out.onnx.*.tmp`). */
export function expectOnly(dir: string, files: readonly string[]): void {
  expect(readdirSync(dir).sort()).toEqual([...files].sort());
}

/**
 * Input refused while loading: all of optimize, check and inspect exit 2 with one line naming
 * IN (matching `message`), and nothing is written. Returns the optimize message.
 */
export async function expectRefused(path: string, dir: string, message?: RegExp): Promise<string> {
  const before = readdirSync(dir);
  const out = join(dir, 'out.onnx');
  let first = '';
  for (const args of [['optimize', path, '-o', out], ['check', path], ['inspect', path]]) {
    const r = await lathe(...args);
    expect(r.code, `${args[0]}: ${show(r)}`).toBe(2);
    expectOneLine(r, path);
    if (message) expect(r.err, args[0]).toMatch(message);
    expect(r.out, args[0]).toBe('');
    first ||= r.err;
  }
  expectOnly(dir, before);
  return first;
}

/**
 * A model that loads but breaks an IR invariant (`code`, a verify code): optimize exits 2 with one
 * line naming the first error, check exits 2 listing it, inspect still describes the model.
 */
export async function expectInvalid(path: string, dir: string, code: string): Promise<void> {
  const before = readdirSync(dir);
  const opt = await lathe('optimize', path, '-o', join(dir, 'out.onnx'));
  expect(opt.code, show(opt)).toBe(2);
  expectOneLine(opt, path);
  expect(opt.err).toContain(`invalid model: [${code}] `);
  const check = await lathe('check', path);
  expect(check.code, show(check)).toBe(2);
  expect(check.err).toBe('');
  expect(check.out).toMatch(new RegExp(`^error \\[${code}\\] `, 'm'));
  expect(check.out.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^${escapeRegExp(path)}: invalid \\(\\d+ errors?, \\d+ warnings?\\)$`));
  const inspect = await lathe('inspect', path);
  expect(inspect.code, show(inspect)).toBe(0);
  expect(inspect.err).toBe('');
  expect(inspect.out).toContain(`model: ${path}\n`);
  expectOnly(dir, before);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type Outcome = 'refused' | 'invalid' | 'ok';

/**
 * The invariant for mutated input: exit ∈ {0, 2} for each command; 2 ⇒ one line on stderr (or,
 * for check, diagnostics on stdout) and nothing written; 0 ⇒ OUT exists and loads.
 */
export async function expectHandled(path: string, dir: string): Promise<Outcome> {
  const before = readdirSync(dir);
  const out = join(dir, 'out.onnx');
  const opt = await lathe('optimize', path, '-o', out, '-q');
  expect([0, 2], show(opt)).toContain(opt.code);
  let outcome: Outcome;
  if (opt.code === 2) {
    expectOneLine(opt, path);
    expectOnly(dir, before);
    outcome = /: invalid model: \[/.test(opt.err) ? 'invalid' : 'refused';
  } else {
    expect(opt.err).toBe('');
    expectOnly(dir, [...before, 'out.onnx']);
    expect(() => loadModel(out)).not.toThrow();
    rmSync(out);
    outcome = 'ok';
  }
  const check = await lathe('check', path);
  expect([0, 2], show(check)).toContain(check.code);
  if (check.err !== '') {
    expect(check.code).toBe(2);
    expectOneLine(check, path);
  }
  expect(outcome === 'refused', `check and optimize disagree on loading: ${show(check)}`).toBe(check.err !== '');
  const inspect = await lathe('inspect', path);
  expect([0, 2], show(inspect)).toContain(inspect.code);
  if (inspect.code === 2) expectOneLine(inspect, path);
  expect(outcome === 'refused', `inspect and optimize disagree on loading: ${show(inspect)}`).toBe(inspect.code === 2);
  expectOnly(dir, before);
  return outcome;
}

export * from './wire-bytes.js';

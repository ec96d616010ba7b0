/**
 * Whether lathe's -O2 output hides patterns onnxruntime fuses better (../shared/QUALITY.md): each
 * corpus model and its -O2 output go through onnxruntime's extended level (its own fusions into
 * com.microsoft ops: BiasGelu, SkipLayerNormalization, FusedMatMul, FusedConv …), and the fused
 * ops of both are counted. test/ort-fusions-survive.test.ts holds the rule on a BERT block.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../passes/library.js';
import { summarizeModel } from '../src/inspect.js';
import { cacheDir, filledModel } from './corpus.js';

export interface FusionRow {
  readonly model: string;
  /** Nodes and fused (non-standard) ops of onnxruntime extended's output of the original … */
  readonly original: { readonly nodes: number; readonly fused: Readonly<Record<string, number>> };
  /** … and of lathe -O2's output. */
  readonly lathe: { readonly nodes: number; readonly fused: Readonly<Record<string, number>> };
}

async function extended(input: string, out: string): Promise<FusionRow['original']> {
  rmSync(out, { force: true });
  const s = await ort.InferenceSession.create(input, { graphOptimizationLevel: 'extended', optimizedModelFilePath: out, logSeverityLevel: 3 });
  await s.release();
  const sum = summarizeModel(loadModel(out));
  const fused: Record<string, number> = {};
  for (const o of sum.ops) if (o.domain !== '' && o.domain !== 'ai.onnx') fused[o.op] = (fused[o.op] ?? 0) + o.count;
  return { nodes: sum.nodes.total, fused };
}

export async function fusionRow(name: string): Promise<FusionRow> {
  const dir = join(cacheDir, 'fusions');
  mkdirSync(dir, { recursive: true });
  const input = filledModel(name);
  const ours = join(dir, `${name}.O2.onnx`);
  rmSync(ours, { force: true });
  saveModel(optimize(loadModel(input), { level: 2 }).model, ours);
  return { model: name, original: await extended(input, join(dir, `${name}.ext.onnx`)), lathe: await extended(ours, join(dir, `${name}.O2.ext.onnx`)) };
}

export function formatFusionRows(rows: readonly FusionRow[]): string[] {
  const fmt = (f: Readonly<Record<string, number>>) => Object.entries(f).sort().map(([op, n]) => `${op} ${n}`).join(', ') || '—';
  const lines = ['| model | original → extended: nodes | fused ops | lathe -O2 → extended: nodes | fused ops | fused op kinds with fewer after lathe |', '| --- | --- | --- | --- | --- | --- |'];
  let hidden = 0;
  for (const r of rows) {
    const fewer = Object.entries(r.original.fused).filter(([op, n]) => (r.lathe.fused[op] ?? 0) < n).map(([op]) => op);
    if (fewer.length > 0) hidden++;
    lines.push(`| ${r.model} | ${r.original.nodes} | ${fmt(r.original.fused)} | ${r.lathe.nodes} | ${fmt(r.lathe.fused)} | ${fewer.join(', ') || 'none'} |`);
  }
  lines.push('', `onnxruntime extended fuses fewer of some kind of op in lathe's output than in the original on ${hidden} of ${rows.length} models.`);
  return lines;
}

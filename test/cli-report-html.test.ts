/**
 * `lathe optimize … --report FILE.html`: the HTML report beside the model, with the CLI's own
 * figures (file bytes, load/verify/save times) and the input's file name as its title; `.json`
 * keeps writing JSON; in process, on the real file system and the shipped passes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { passes } from '../passes/index.js';
import { latheWith } from './support/cli-harness.js';
import { scratch } from './support/scratch.js';

const mlp = join(import.meta.dirname, '..', 'golden', 'models', 'tiny-mlp.onnx');
const { freshDir } = scratch('lathe-report-html-');
const lathe = (...args: string[]) => latheWith(passes, ...args);

describe('lathe optimize --report FILE.html', () => {
  it('writes the HTML report: summary with file bytes, the rule that fired, both graphs', async () => {
    const dir = freshDir();
    const file = join(dir, 'report.html');
    const r = await lathe('optimize', mlp, '-o', join(dir, 'r.onnx'), '--report', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`and the report ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>tiny-mlp.onnx: lathe optimization report</title>');
    const size = readFileSync(join(dir, 'r.onnx')).length;
    expect(html).toMatch(/<tr id="row-file-bytes"><th>file bytes<\/th>/);
    expect(html).toMatch(/<p id="times"><b>time<\/b> load [\d.]+ ms · verify [\d.]+ ms · passes [\d.]+ m?s · save [\d.]+ m?s<\/p>/);
    expect(html).toContain('<code>fuse/matmul-add-to-gemm</code></td><td class="num">2</td>');
    expect(html).toContain('<tr id="row-nodes"><th>nodes</th><td class="num">6</td><td class="num">4</td>');
    expect(html.match(/<g class="node rewritten"><title>Gemm/g)).toHaveLength(2);
    expect(html.match(/>rule: matmul-add-to-gemm<\/text>/g)).toHaveLength(2);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)![1]);
    expect(data.bytes.after).toBe(size);
  });

  it('.json still writes JSON; .HTM is HTML too', async () => {
    const dir = freshDir();
    expect((await lathe('optimize', mlp, '-o', join(dir, 'a.onnx'), '-q', '--report', join(dir, 'r.json'))).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).schemaVersion).toBe(1);
    expect((await lathe('optimize', mlp, '-o', join(dir, 'b.onnx'), '-q', '--report', join(dir, 'r.HTM'))).code).toBe(0);
    expect(readFileSync(join(dir, 'r.HTM'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });
});

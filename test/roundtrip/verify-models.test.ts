/**
 * No false errors: every ONNX node-test model (onnx 1.23.1, ../shared/onnx-node-tests) and every
 * corpus skeleton (../shared/corpus/models) is a valid model that onnxruntime runs, so the
 * verifier — op schemas included — must find no error in any of them. Only lifts and verifies
 * (no emit, no oracle), so it stays fast.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../ir/verify/verify.js';
import { loadModel } from '../../node/io.js';
import { corpusDir, nodeTestsDir } from '../../bench/corpus.js';

function errorsOf(file: string): string[] {
  return verify(loadModel(file)).filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.graph}: ${d.message}`);
}

describe('the verifier accepts every valid model', () => {
  it('every ONNX node-test model verifies with zero errors', () => {
    const cases = readdirSync(nodeTestsDir).sort();
    expect(cases.length).toBe(1884);
    const bad: string[] = [];
    for (const c of cases) for (const e of errorsOf(join(nodeTestsDir, c, 'model.onnx'))) bad.push(`${c}: ${e}`);
    expect(bad).toEqual([]);
  });

  it('every corpus skeleton verifies with zero errors', () => {
    const models = readdirSync(corpusDir).filter((f) => f.endsWith('.onnx')).sort();
    expect(models.length).toBeGreaterThan(15);
    const bad: string[] = [];
    for (const m of models) for (const e of errorsOf(join(corpusDir, m))) bad.push(`${m}: ${e}`);
    expect(bad).toEqual([]);
  });
});

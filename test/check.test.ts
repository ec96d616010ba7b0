/**
 * `lathe check` on models onnx's checker and onnxruntime refuse (issue 11): each is invalid,
 * exit 2; versions newer than lathe knows are warned about, exit 0; and the listing is capped.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { model, schemaFindings } from '../ir/verify/schema-findings.test-util.js';
import { saveModelToBytes } from '../src/io.js';
import { input, lathe, removeCaseDirs, show } from './support/cli-harness.js';

afterAll(removeCaseDirs);

describe('lathe check', () => {
  test.each(Object.keys(schemaFindings))('refuses: %s (exit 2)', async (name) => {
    const [code, make] = schemaFindings[name];
    const { path } = input(saveModelToBytes(make()));
    const r = await lathe('check', path);
    expect(r.code, show(r)).toBe(2);
    expect(r.out).toContain(`error [${code}]`);
    expect(r.out).toMatch(/: invalid \(\d+ errors?, /);
  });

  test('IR version 99 and opset 99 are named in a warning, exit 0', async () => {
    for (const head of ['ir_version: 99, opset_import: ["" : 17]', 'ir_version: 8, opset_import: ["" : 99]']) {
      const { path } = input(saveModelToBytes(model('y = Relu(x)', undefined, undefined, head)));
      const r = await lathe('check', path);
      expect(r.code, show(r)).toBe(0);
      expect(r.out).toMatch(/warning \[(ir-version|opset-newer)\] main: .*99 is newer than lathe knows/);
      expect(r.out).toContain('ok (0 errors, 1 warning)');
    }
  });

  test('prints at most 100 diagnostics and counts the rest', async () => {
    const body = Array.from({ length: 150 }, (_, i) => `y${i} = Add(x, x, x)`).join('\n');
    const outs = Array.from({ length: 150 }, (_, i) => `float[2] y${i}`).join(', ');
    const { path } = input(saveModelToBytes(parseModel(`<ir_version: 8, opset_import: ["" : 17]> g (float[2] x) => (${outs}) { ${body} }`)));
    const r = await lathe('check', path);
    expect(r.code, show(r)).toBe(2);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('error ['))).toHaveLength(100);
    expect(lines).toContain('… and 50 more diagnostics');
    expect(lines[lines.length - 1]).toContain('invalid (150 errors, 0 warnings)');
  });
});

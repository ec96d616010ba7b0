import { describe, expect, test } from 'vitest';
import { standardOps } from './index.js';
import { buildRegistry } from './registry.js';
import type { OpDef } from './types.js';

test('the standard op table has no duplicate (domain, name) and every def lists ascending versions', () => {
  const r = buildRegistry(standardOps);
  for (const d of r.defs) expect([...d.since].sort((a, b) => a - b), `${d.domain}::${d.name}`).toEqual(d.since);
});

describe('registry', () => {
  const def = (name: string, since: number[], domain = ''): OpDef => ({ domain, name, since, kernel: () => [] });
  test('picks the definition when the imported opset reaches its first version', () => {
    const r = buildRegistry([def('Foo', [1, 6, 13]), def('Bar', [18], 'ai.onnx.ml')]);
    expect(r.resolve('', 'Foo', 12)?.version).toBe(6);
    expect(r.resolve('ai.onnx', 'Foo', 13)?.version).toBe(13);
    expect(r.resolve('', 'Foo', 0)).toBeUndefined();
    expect(r.resolve('ai.onnx.ml', 'Bar', 17)).toBeUndefined();
    expect(r.resolve('ai.onnx.ml', 'Bar', 20)?.def.name).toBe('Bar');
    expect(r.resolve('', 'Bar', 20)).toBeUndefined();
    expect(r.lookup('', 'constructor')).toBeUndefined();
  });
  test('a duplicate (domain, name) is an error', () => {
    expect(() => buildRegistry([def('Foo', [1]), def('Foo', [13], 'ai.onnx')])).toThrow(/ai.onnx::Foo is defined twice/);
    expect(() => buildRegistry([def('Foo', [1]), def('Foo', [1], 'x')])).not.toThrow();
    expect(() => buildRegistry([def('Foo', [])])).toThrow(/lists no versions/);
  });
});

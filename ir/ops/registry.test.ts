import { describe, expect, test } from 'vitest';
import { standardOps } from './index.js';
import { buildRegistry, defineOpTable } from './registry.js';
import type { OpDef } from './types.js';

test('the standard op table has no duplicate (domain, name) and every def lists ascending versions', () => {
  const r = buildRegistry(standardOps);
  for (const d of r.defs) expect([...d.since].sort((a, b) => a - b), `${d.domain}::${d.name}`).toEqual(d.since);
});

test('the standard op table carries the inference rules: one table for the evaluator and inference', () => {
  // Every op lathe can run, it can also infer: a kernel added without a rule fails here.
  expect(standardOps.filter((d) => !d.infer).map((d) => `${d.domain}::${d.name}`)).toEqual([]);
  const r = buildRegistry(standardOps);
  expect(r.lookup('', 'Slice')?.infer).toBeTypeOf('function');
  expect(r.lookup('', 'Slice')?.foldInInference).toBe(true);
  expect(r.lookup('', 'Slice')?.kernel).toBeTypeOf('function');
});

describe('defineOpTable', () => {
  const k = (name: string, domain = ''): OpDef => ({ domain, name, since: [1], kernel: () => [] });
  const rule = (name: string, domain = '') => ({ domain, name, infer: () => [] });
  test('attaches each rule to its op, folding when asked', () => {
    const t = defineOpTable([k('Foo'), k('Bar', 'x')], [{ ...rule('Foo', 'ai.onnx'), fold: true }, rule('Bar', 'x')]);
    expect(t.map((d) => [d.name, typeof d.infer, d.foldInInference ?? false])).toEqual([['Foo', 'function', true], ['Bar', 'function', false]]);
  });
  test('a duplicate op, two rules for one op, or a rule without an op is an error', () => {
    expect(() => defineOpTable([k('Foo'), k('Foo', 'ai.onnx')], [])).toThrow(/ai.onnx::Foo is defined twice/);
    expect(() => defineOpTable([k('Foo')], [rule('Foo'), rule('Foo', 'ai.onnx')])).toThrow(/ai.onnx::Foo has two inference rules/);
    expect(() => defineOpTable([k('Foo')], [rule('Foo', 'x')])).toThrow(/rule for x::Foo, which the table does not define/);
    expect(() => defineOpTable([{ ...k('Foo'), infer: () => [] }], [rule('Foo')])).toThrow(/two inference rules/);
  });
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

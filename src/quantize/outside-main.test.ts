/**
 * Where the quantize passes reach. quantize-int8-dynamic rewrites the main graph and the
 * If/Loop/Scan bodies under it (Silero VAD v5 keeps every weighted node in If branches), but not
 * function bodies, and so does int4; the static int8 pass rewrites the main graph only. A model must
 * not come out "0 weights quantized" with no reason: each pass warns with the number of nodes of
 * its ops it leaves in float, and still quantizes what it reaches.
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { quantizeInt4Weight } from '../../passes/quantize-int4-weight/quantize-int4-weight.js';
import { quantizeInt8Dynamic } from '../../passes/quantize-int8-dynamic/quantize-int8-dynamic.js';
import { quantizeInt8Static } from '../../passes/quantize-int8-static/quantize-int8-static.js';
import { createPassContext } from '../pass.js';

const w = `float[16,8] w = {${Array.from({ length: 128 }, (_, i) => ((i * 7) % 13) / 8 - 0.7).join(', ')}}`;
const withBranch = parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (float[2,16] x, bool c) => (float[2,8] y, float[2,8] z) <${w}> {
  y = MatMul (x, w)
  z = If (c) <then_branch = t () => (float[2,8] zt) {
    a = MatMul (x, w)
    zt = Relu (a)
  }, else_branch = e () => (float[2,8] ze) {
    b = MatMul (x, w)
    ze = Neg (b)
  }>
}`);
const mainOnly = parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (float[2,16] x) => (float[2,8] y) <${w}> {
  y = MatMul (x, w)
}`);

const ops = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id]!.op);
const passes = [
  ['quantize-int8-static', () => quantizeInt8Static({ ranges: new Map([['x', { min: -1, max: 1 }]]) }), 'QuantizeLinear'],
  ['quantize-int4-weight', () => quantizeInt4Weight(), 'DequantizeLinear'],
] as const;

const inFunction = parseModel(`<ir_version: 10, opset_import: ["" : 21, "local" : 1]>
g (float[2,16] x) => (float[2,8] y, float[2,8] z) <${w}> {
  y = MatMul (x, w)
  z = local.F (x, w)
}
<domain: "local", opset_import: ["" : 21]>
F (a, b) => (c) {
  c = MatMul (a, b)
}`);

const opsIn = (m: Model, branch: number) => {
  const iff = m.graph.order.map((id) => m.graph.nodes[id]!).find((n) => n.op === 'If')!;
  const a = iff.attrs[branch]!;
  if (a.kind !== 'graph') throw new Error('not a graph attribute');
  return a.value.order.map((id) => a.value.nodes[id]!.op);
};

describe('quantize-int8-dynamic and subgraphs', () => {
  it('rewrites the MatMuls of both If branches, with no warning', () => {
    const ctx = createPassContext();
    const out = quantizeInt8Dynamic().run(withBranch, ctx);
    expect(ctx.warnings).toEqual([]);
    expect(ops(out)).toContain('MatMulInteger');
    for (const branch of [0, 1]) {
      expect(opsIn(out, branch)).toContain('MatMulInteger');
      expect(opsIn(out, branch)).not.toContain('MatMul');
    }
    // w is read by the main graph and both branches: one int8 copy, in the main graph
    const inits = (m: Model) => m.graph.initializers.map((v) => m.graph.values[v]!.name);
    expect(inits(out).filter((n) => n?.startsWith('w_quantized'))).toEqual(['w_quantized']);
    expect(ctx.counts.get('MatMul')).toBe(3);
  });
  it('exclude reaches into the branches: a weight or an activation they read from the main graph by name keeps their MatMuls float', () => {
    for (const name of ['w', 'x']) {
      const out = quantizeInt8Dynamic({ exclude: name }).run(withBranch, createPassContext());
      expect(ops(out), name).toEqual(['MatMul', 'If']);
      for (const branch of [0, 1]) expect(opsIn(out, branch), `${name}, branch ${branch}`).toContain('MatMul');
    }
    // a name of the then branch's own: only that branch stays float
    const out = quantizeInt8Dynamic({ exclude: 'a' }).run(withBranch, createPassContext());
    expect(opsIn(out, 0)).toContain('MatMul');
    expect(opsIn(out, 1)).toContain('MatMulInteger');
  });

  it('says how many nodes it leaves in float inside functions, and quantizes the main graph', () => {
    const ctx = createPassContext();
    const out = quantizeInt8Dynamic().run(inFunction, ctx);
    expect(ctx.warnings).toEqual(['quantize-int8-dynamic: 1 MatMul/Gemm/Conv/Gather node inside functions left in float (function bodies are not quantized)']);
    expect(ops(out)).toContain('MatMulInteger');
    expect(out.functions[0]!.graph.order.map((id) => out.functions[0]!.graph.nodes[id]!.op)).toEqual(['MatMul']);
  });
});

const constantInFunction = parseModel(`<ir_version: 10, opset_import: ["" : 21, "local" : 1]>
g (float[2,16] x) => (float[2,8] z) {
  z = local.F (x)
}
<domain: "local", opset_import: ["" : 21]>
F (a) => (c) {
  b = Constant <value = ${w}> ()
  c = MatMul (a, b)
}`);

describe('quantize-int8-dynamic and function bodies', () => {
  it('leaves a function body float even when its weight is a Constant node there (a function has no initializers to hold an int8 copy)', () => {
    const ctx = createPassContext();
    const out = quantizeInt8Dynamic().run(constantInFunction, ctx);
    expect(ctx.warnings).toEqual(['quantize-int8-dynamic: 1 MatMul/Gemm/Conv/Gather node inside functions left in float (function bodies are not quantized)']);
    expect(out.functions[0]!.graph.order.map((id) => out.functions[0]!.graph.nodes[id]!.op)).toEqual(['Constant', 'MatMul']);
    expect(out.functions[0]!.graph.initializers).toEqual([]);
  });
});

describe('quantize-int4-weight and subgraphs', () => {
  it('rewrites the MatMuls of both If branches, with no warning; the weight they share is stored once, in the main graph', () => {
    const ctx = createPassContext();
    const out = quantizeInt4Weight().run(withBranch, ctx);
    expect(ctx.warnings).toEqual([]);
    for (const branch of [0, 1]) expect(opsIn(out, branch)).toContain('DequantizeLinear');
    expect(out.graph.initializers.map((v) => out.graph.values[v]!.name).filter((n) => n?.startsWith('w_int4'))).toEqual(['w_int4']);
  });
  it('says how many nodes it leaves in float inside functions, and quantizes the main graph', () => {
    const ctx = createPassContext();
    const out = quantizeInt4Weight().run(inFunction, ctx);
    expect(ctx.warnings).toEqual(['quantize-int4-weight: 1 MatMul node inside functions left in float (function bodies are not quantized)']);
    expect(ops(out)).toContain('DequantizeLinear');
  });
});

describe('quantize passes and subgraphs', () => {
  it('quantize-int8-static says how many nodes it leaves in float inside subgraphs (calibration sees the main graph), and quantizes the main graph', () => {
    const ctx = createPassContext();
    const out = passes[0][1]().run(withBranch, ctx);
    const warning = ctx.warnings.find((m) => m.includes('inside subgraphs'));
    expect(warning, ctx.warnings.join('\n')).toMatch(/^quantize-int8-static: 2 (\w+\/)*MatMul(\/\w+)* nodes inside subgraphs or functions left in float \(only the main graph is quantized\)$/);
    expect(ops(out)).toContain('QuantizeLinear');
  });
  for (const [name, make, marker] of passes) {
    it(`${name} gives no such warning for a model without subgraphs`, () => {
      const ctx = createPassContext();
      expect(ops(make().run(mainOnly, ctx))).toContain(marker);
      expect(ctx.warnings.filter((m) => m.includes('subgraph'))).toEqual([]);
    });
  }
});

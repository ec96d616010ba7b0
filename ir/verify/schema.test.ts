import { describe, expect, test } from 'vitest';
import { standardOps } from '../ops/index.js';
import { decodeRow } from '../ops/schema/rows.js';
import { newestOpset, opSchema, opSchemaVersions, schemaOps } from '../ops/schema/index.js';
import { table as control } from '../ops/schema/control.js';
import { table as elementwise } from '../ops/schema/elementwise.js';
import { table as more } from '../ops/schema/more.js';
import { table as nn } from '../ops/schema/nn.js';
import { table as tensor } from '../ops/schema/tensor.js';
import { dtypeByName } from '../dtype.js';
import { parseModel } from '../text/parse.js';
import { f32, i64, model, schemaFindings, withSparse } from './schema-findings.test-util.js';
import type { Model, SparseTensor } from '../types.js';
import { verify } from './verify.js';
import { sparseProblems } from './tensor.js';

const codes = (m: Model, severity = 'error') => verify(m).filter((d) => d.severity === severity).map((d) => d.code);

describe('op schema tables', () => {
  const tables = { elementwise, tensor, nn, control, more };

  test('every row decodes, and every type it names is an ONNX type', () => {
    let rows = 0;
    for (const t of Object.values(tables)) {
      for (const [domain, list] of Object.entries(t)) {
        for (const row of list) {
          const s = decodeRow(domain, row);
          rows++;
          for (const allowed of s.types.values()) {
            for (const ty of allowed) {
              for (const leaf of ty.split(/[(),]/).filter((w) => w && !['seq', 'optional', 'sparse_tensor', 'map'].includes(w))) {
                expect(dtypeByName(leaf), `${domain}::${s.name}-${s.since} ${ty}`).toBeDefined();
              }
            }
          }
          for (const p of [...s.inputs, ...s.outputs]) {
            if (!s.types.has(p.type)) expect(p.type, `${s.name}-${s.since} ${p.name}`).toMatch(/^[a-z]/);
          }
        }
      }
    }
    expect(rows).toBeGreaterThan(600);
  });

  test('every op version the evaluator implements has a schema', () => {
    const missing: string[] = [];
    // onnxruntime's contrib ops the evaluator runs (MatMulNBits) have no ONNX schema: the
    // verifier checks standard domains only.
    const standard = standardOps.filter((d) => d.domain !== 'com.microsoft');
    for (const d of standard) {
      const versions = opSchemaVersions(d.domain, d.name);
      for (const v of d.since) if (!versions?.includes(v)) missing.push(`${d.domain || 'ai.onnx'}::${d.name}-${v}`);
    }
    expect(missing).toEqual([]);
    expect(schemaOps().length).toBeGreaterThanOrEqual(standard.length);
  });

  test('opSchema picks the version in effect at an opset', () => {
    expect(opSchema('', 'Add', 12)?.since).toBe(7);
    expect(opSchema('ai.onnx', 'Add', 14)?.since).toBe(14);
    expect(opSchema('', 'Gelu', 19)).toBeUndefined();
    expect(opSchema('', 'Nope', 19)).toBeUndefined();
    const cast = opSchema('', 'Cast', 21)!;
    expect(cast.attrs.get('to')).toEqual({ kind: 'int', required: true });
    expect(cast.minInputs).toBe(1);
    const concat = opSchema('', 'Concat', 13)!;
    expect([concat.minInputs, concat.maxInputs]).toEqual([1, Infinity]);
    expect(opSchema('', 'Upsample', 10)?.deprecated).toBe(10);
    expect(opSchema('ai.onnx.ml', 'LabelEncoder', 4)?.since).toBe(4);
  });
});

describe('verify checks nodes against their op schema', () => {
  test.each(Object.keys(schemaFindings))('%s', (name) => {
    const [code, make] = schemaFindings[name];
    expect([...new Set(codes(make()))]).toEqual([code]);
  });

  test('the same models, made valid, have no diagnostics', () => {
    expect(verify(model('y = Add(x, x)'))).toEqual([]);
    expect(verify(model('y = Cast<to = 1>(x)'))).toEqual([]);
    expect(verify(model('y = Constant<value_floats = [1.0, 2.0]>()'))).toEqual([]);
    expect(verify(model('y = Constant<value = float[2] {1.0, 2.0}>()', 'float[2] x', 'float[2] y', 'ir_version: 8, opset_import: ["" : 9]'))).toEqual([]);
    expect(verify(model('y = Transpose<perm = [1, 0]>(x)', 'float[2,3] x', 'float[3,2] y'))).toEqual([]);
    expect(verify(model('y = Gelu(x)', undefined, undefined, 'ir_version: 8, opset_import: ["" : 20]'))).toEqual([]);
    expect(verify(withSparse([1n, 3n], [2], [2], [5]))).toEqual([]);
    expect(verify(withSparse([0n, 2n, 1n, 0n], [2, 2], [2], [2, 3]))).toEqual([]);
  });

  test('a version newer than lathe knows is a warning, not an error', () => {
    const ir = model('y = Relu(x)', undefined, undefined, 'ir_version: 99, opset_import: ["" : 17]');
    expect(verify(ir).map((d) => [d.severity, d.code])).toEqual([['warning', 'ir-version']]);
    const opset = model('y = Relu(x)', undefined, undefined, 'ir_version: 8, opset_import: ["" : 99]');
    expect(verify(opset).map((d) => [d.severity, d.code])).toEqual([['warning', 'opset-newer']]);
    // One past the newest is already newer (and the newest itself is not).
    const next = model('y = Relu(x)', undefined, undefined, `ir_version: 8, opset_import: ["" : ${newestOpset('')! + 1}]`);
    expect(verify(next).map((d) => [d.severity, d.code])).toEqual([['warning', 'opset-newer']]);
    expect(verify(model('y = Relu(x)', undefined, undefined, `ir_version: 8, opset_import: ["" : ${newestOpset('')!}]`))).toEqual([]);
    const ml = model('y = Relu(x)', undefined, undefined, 'ir_version: 8, opset_import: ["" : 17, "ai.onnx.ml" : 99]');
    expect(verify(ml).map((d) => d.code)).toEqual(['opset-newer']);
  });

  test('an impossible version is an error', () => {
    const m = model('y = Relu(x)');
    expect(codes({ ...m, irVersion: 0 })).toEqual(['ir-version']);
    expect(codes({ ...m, opsets: [{ domain: '', version: 0 }] })).toEqual(['opset-range']);
  });

  test('a deprecated op version is a warning', () => {
    const m = model('y = Upsample<mode = "nearest">(x, s)', 'float[1,1,2,2] x, float[4] s', 'float[1,1,4,4] y', 'ir_version: 8, opset_import: ["" : 10]');
    expect(verify(m).map((d) => [d.severity, d.code])).toEqual([['warning', 'op-deprecated']]);
  });

  test('a BatchNormalization output count its cases rule out is a warning (onnxruntime refuses it at load)', () => {
    // Measured with onnxruntime-node 1.30: at opset 9 only 1 or 5 outputs load; from 14 only 1
    // with training_mode = 0 and 3 with training_mode = 1. onnx's checker passes them all.
    const bn = (opset: number, outs: string, attrs = '') =>
      model(`${outs} = BatchNormalization${attrs}(x, s, b, m, v)`, 'float[2,3,4] x, float[3] s, float[3] b, float[3] m, float[3] v', 'float[2,3,4] y', `ir_version: 8, opset_import: ["" : ${opset}]`);
    const found = (m: Model) => verify(m).map((d) => [d.severity, d.code]);
    const warned = [['warning', 'output-case']];
    for (const outs of ['y', 'y, a, c, d, e']) expect(found(bn(9, outs)), outs).toEqual([]);
    for (const outs of ['y, a', 'y, a, c', 'y, a, c, d']) expect(found(bn(9, outs)), outs).toEqual(warned);
    expect(found(bn(15, 'y'))).toEqual([]);
    expect(found(bn(15, 'y, a, c', '<training_mode = 1>'))).toEqual([]);
    expect(found(bn(15, 'y, a, c'))).toEqual(warned);
    expect(found(bn(14, 'y', '<training_mode = 1>'))).toEqual(warned);
    expect(found(bn(15, 'y, a', '<training_mode = 1>'))).toEqual(warned);
    expect(verify(bn(9, 'y, a, c')).find((d) => d.code === 'output-case')?.message).toBe(
      'node #0 BatchNormalization (BatchNormalization): has 3 outputs; BatchNormalization-9 gives Y alone or all 5 (Y and its statistics): onnxruntime refuses other counts',
    );
  });

  test("onnxruntime's own ops in ai.onnx are a warning, not an error", () => {
    // onnxruntime's extended level writes LayerNormalization at opset 13 and its transformer
    // tools SimplifiedLayerNormalization; it loads both, so lathe takes them as they are.
    const ln = model('y = LayerNormalization<axis = -1, epsilon = 0.00001>(x, s, b)', 'float[2,4] x, float[4] s, float[4] b', 'float[2,4] y', 'ir_version: 8, opset_import: ["" : 13]');
    expect(verify(ln).map((d) => [d.severity, d.code])).toEqual([['warning', 'ort-op']]);
    const rms = model('y = SimplifiedLayerNormalization<epsilon = 0.00001>(x, s)', 'float[2,4] x, float[4] s', 'float[2,4] y', 'ir_version: 8, opset_import: ["" : 17]');
    expect(verify(rms).map((d) => [d.severity, d.code])).toEqual([['warning', 'ort-op']]);
    // Not any op before its opset: Gelu at 13 is still an error (schemaFindings), and at 17
    // LayerNormalization is checked as the ONNX op it then is.
    expect(codes(model('y = Gelu(x)', undefined, undefined, 'ir_version: 8, opset_import: ["" : 13]'))).toEqual(['opset-range']);
    expect(verify({ ...ln, opsets: [{ domain: '', version: 17 }] })).toEqual([]);
  });

  test('an attribute reference outside a function body is a warning; inside one it is fine', () => {
    // onnx's checker lets it pass and onnxruntime runs it with alpha 0 (measured): lathe warns.
    const main = model('y = LeakyRelu<alpha: float = @alpha>(x)');
    expect(verify(main).map((d) => [d.severity, d.code])).toEqual([['warning', 'ref-outside-function']]);
    const inBody = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (float[2] y) { y = f.Leaky<alpha = 0.5>(x) }
<domain: "f", opset_import: ["" : 17]> Leaky <alpha> (p) => (q) { q = LeakyRelu <alpha: float = @alpha> (p) }`);
    expect(verify(inBody)).toEqual([]);
  });

  test('a declared tensor type without a data_type is a warning (onnxruntime refuses it)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) <dtype0[2] t> {
  t = Relu (x)
  y = Relu (t)
}`);
    expect(verify(m).map((d) => [d.severity, d.code, d.value])).toEqual([['warning', 'undefined-dtype', 't']]);
  });

  test('local functions and other domains are not checked against the schema', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1, "com.microsoft" : 1]>
g (float[2] x) => (float[2] y) { t = local.Add (x, x, x)
  y = com.microsoft.FusedGemm (t) }
<domain: "local", opset_import: ["" : 17]>
Add (a, b, c) => (d) { d = Sum (a, b, c) }`);
    expect(verify(m)).toEqual([]);
  });

  test('subgraph and function-body nodes are checked with the right opset', () => {
    const inIf = model('y = If<then_branch = t () => (float[2] o) { o = Add(x) }, else_branch = e () => (float[2] o) { o = Identity(x) }>(c)', 'bool c, float[2] x');
    expect(codes(inIf)).toEqual(['op-arity']);
    // Gelu exists from opset 20: fine in a function importing 20, though the model imports 17.
    const fn = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y) { y = local.F (x) }
<domain: "local", opset_import: ["" : 20]>
F (a) => (b) { b = Gelu (a) }`);
    expect(verify(fn)).toEqual([]);
  });

  test('sparseProblems: linear and coordinate indices, ascending and in range', () => {
    const sp = (idx: bigint[], idims: number[], nnz: number, dims: number[]): SparseTensor => ({ values: f32(nnz), indices: i64(idx, idims), dims });
    expect(sparseProblems(sp([0n, 4n], [2], 2, [5]))).toEqual([]);
    expect(sparseProblems(sp([0n, 5n], [2], 2, [5]))[0][1]).toMatch(/outside \[0, 5\)/);
    expect(sparseProblems(sp([1n, 1n, 0n, 2n], [2, 2], 2, [2, 3]))[0][1]).toMatch(/ascending/);
    expect(sparseProblems(sp([1n], [1], 1, [5, 1]))).toEqual([]);
    expect(sparseProblems(sp([1n, 2n], [1, 2], 1, [5]))[0][1]).toMatch(/indices have shape/);
    expect(sparseProblems({ values: f32(1), indices: { ...i64([0n], [1]), dtype: 6 }, dims: [5] })[0][1]).toMatch(/int64/);
    expect(sparseProblems({ values: f32(0), indices: i64([], [0]), dims: [5] })).toEqual([]);
    // Coordinates must have one column per dim: [2,1] for a rank-2 tensor is a bad shape, not skipped.
    expect(sparseProblems(sp([0n, 1n], [2, 1], 2, [2, 3]))[0]?.[1]).toMatch(/indices have shape/);
    // More values than elements, even when the indices cannot be read (a stripped skeleton's).
    expect(sparseProblems({ values: f32(6), indices: { dtype: 7, dims: [6], data: { kind: 'none' } }, dims: [5] })[0]?.[1]).toMatch(/6 values for a tensor of 5 elements/);
    expect(sparseProblems({ values: f32(5), indices: { dtype: 7, dims: [5], data: { kind: 'none' } }, dims: [5] })).toEqual([]);
  });
});

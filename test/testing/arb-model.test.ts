/** arbModel/arbFeeds: valid by construction, typed truthfully, options honoured. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evaluate } from '../../ir/eval/run.js';
import { forEachGraph } from '../../ir/onnx/emit-walk.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { affineRules } from '../../passes/fold-affine/rules.js';
import { fuseRules } from '../../passes/fuse/rules/index.js';
import { algebraRules } from '../../passes/simplify-algebra/rules.js';
import { op, P, rewritePass } from '../../src/pattern/index.js';
import { runSchedule } from '../../src/runner.js';
import { arbFeeds, arbModel, BUILTIN_OPS, type OpGenerator, type PlantFn } from '../../src/testing.js';

const ops = (m: Model) => {
  const seen = new Set<string>();
  forEachGraph(m, (g) => g.order.forEach((id) => seen.add(g.nodes[id].op)));
  return seen;
};

describe('arbModel', () => {
  test('every draw verifies clean; outputs have the declared dtype and static dims', () => {
    let ran = 0;
    let skipped = 0;
    fc.assert(
      fc.property(arbModel().chain((m) => fc.tuple(fc.constant(m), arbFeeds(m))), ([m, feeds]) => {
        expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
        let out: Map<string, unknown>;
        try {
          out = evaluate(m, feeds);
        } catch {
          skipped++; // e.g. a symbolic dim bound to 0 that a Reshape with -1 cannot take
          return;
        }
        ran++;
        for (const id of m.graph.outputs) {
          const v = m.graph.values[id]!;
          const got = out.get(v.name!) as { dtype: number; dims: number[] };
          const t = v.type!;
          if (t.kind !== 'tensor') continue;
          expect(got.dtype).toBe(t.dtype);
          expect(got.dims.length).toBe(t.shape!.length);
          t.shape!.forEach((d, i) => typeof d === 'number' && expect(got.dims[i]).toBe(d));
        }
      }),
      { seed: 5, numRuns: 400 },
    );
    expect(skipped).toBeLessThan(ran / 20);
  });

  test('draws cover the op families, subgraphs and local functions', () => {
    const seen = new Set<string>();
    for (const m of fc.sample(arbModel(), { seed: 9, numRuns: 600 })) for (const o of ops(m)) seen.add(o);
    for (const o of ['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'MaxPool', 'ReduceMean', 'Reshape', 'Transpose', 'Slice', 'Concat', 'Gather', 'Squeeze', 'Unsqueeze', 'Expand', 'Split', 'Cast', 'Shape', 'Constant', 'If', 'Loop', 'ScaledLeaky', 'Where']) {
      expect(seen, o).toContain(o);
    }
  });

  test('Pad before Conv/AveragePool comes in both modes: constant (foldable) and edge (a near miss)', () => {
    const modes = new Set<string>();
    for (const m of fc.sample(arbModel({ ops: ['PadConv', 'Relu'], dtypes: ['float32'] }), { seed: 9, numRuns: 300 })) {
      for (const id of m.graph.order) {
        const n = m.graph.nodes[id];
        const mode = n.op === 'Pad' ? n.attrs.find((a) => a.name === 'mode') : undefined;
        if (mode?.kind === 'string') modes.add(mode.value);
      }
    }
    expect([...modes].sort()).toEqual(['constant', 'edge']);
  });

  test('a Reshape of a symbolic batch by its computed shape comes with allowzero = 1 and without (0 then copies)', () => {
    const forms = new Set<string>();
    for (const m of fc.sample(arbModel({ ops: ['FlattenByShape', 'Relu'], dtypes: ['float32'] }), { seed: 9, numRuns: 300 })) {
      const g = m.graph;
      for (const id of g.order) {
        const n = g.nodes[id];
        const t = n.op === 'Reshape' ? g.values[n.inputs[0]!]?.type : undefined;
        if (t?.kind !== 'tensor' || typeof t.shape?.[0] !== 'string') continue;
        forms.add(n.attrs.some((a) => a.name === 'allowzero' && a.kind === 'int' && a.value === 1n) ? 'allowzero' : 'copies-zero');
      }
    }
    expect([...forms].sort()).toEqual(['allowzero', 'copies-zero']);
  });

  test('options: ops, dtypes, features and a user generator', () => {
    const only = fc.sample(arbModel({ ops: ['Relu', 'Add'], dtypes: ['float32'], features: { symbolic: false } }), { seed: 1, numRuns: 100 });
    for (const m of only) {
      for (const o of ops(m)) expect(['Relu', 'Add', 'Identity', 'Constant']).toContain(o);
      for (const id of m.graph.inputs) {
        const t = m.graph.values[id]!.type!;
        expect(t.kind === 'tensor' && t.dtype).toBe(1);
        expect(t.kind === 'tensor' && t.shape!.every((d) => typeof d === 'number')).toBe(true);
      }
    }
    const celu: OpGenerator = {
      name: 'Celu',
      build: (c, s) => {
        const a = c.pick(s.a, (v) => v.dtype === 1);
        if (!a) return false;
        c.push(c.builder.op('Celu', [a.id], undefined, { types: [c.type(1, a.shape)] }), 1, a.shape);
        return true;
      },
    };
    const withCelu = fc.sample(arbModel({ ops: ['Relu'], generators: [celu] }), { seed: 2, numRuns: 100 });
    expect(withCelu.some((m) => ops(m).has('Celu'))).toBe(true);
    expect(BUILTIN_OPS).toContain('Conv');
  });

  test('shrinking keeps models valid and goes to few nodes', () => {
    // Any model with a Conv "fails": the shrunk one is the smallest Conv model.
    const r = fc.check(fc.property(arbModel(), (m) => !ops(m).has('Conv')), { seed: 3, numRuns: 2000 });
    expect(r.failed).toBe(true);
    const m = r.counterexample![0];
    expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
    expect(m.graph.order.length).toBeLessThanOrEqual(2);
  });
});

describe('arbFeeds', () => {
  test('binds a symbol once for every input, and draws edge values', () => {
    const m = fc.sample(arbModel({ ops: ['Add'], maxInputs: 3 }).filter((x) => x.graph.inputs.filter((id) => JSON.stringify(x.graph.values[id]!.type).includes('"N"')).length >= 2), { seed: 4, numRuns: 1 })[0];
    const all = fc.sample(arbFeeds(m), { seed: 4, numRuns: 300 });
    const values = all.flatMap((f) => Object.values(f).flatMap((v) => (v.kind === 'tensor' ? Array.from(v.data as ArrayLike<number>) : [])));
    expect(values.some((x) => Number.isNaN(x))).toBe(true);
    expect(values.some((x) => x === Infinity)).toBe(true);
    expect(values.some((x) => x < 0)).toBe(true);
    expect(all.some((f) => Object.values(f).some((v) => v.kind === 'tensor' && v.dims.includes(0)))).toBe(true);
    // Each feed binds 'N' once: the first dims of the symbolic inputs agree.
    for (const f of all) expect(new Set(Object.values(f).map((v) => (v.kind === 'tensor' ? v.dims[0] : -1))).size).toBe(1);
  });
});

describe('arbModel({ around })', () => {
  const [x] = P.vars('x');
  const negNeg = op.Neg(op.Neg(x));
  const hasPair = (m: Model) => {
    const g = m.graph;
    return g.order.some((id) => g.nodes[id].op === 'Neg' && g.values[g.nodes[id].inputs[0]!]?.def && g.nodes[g.values[g.nodes[id].inputs[0]!]!.def!.node].op === 'Neg');
  };

  test('every draw holds the planted pattern, verifies clean and runs', () => {
    const rule = fuseRules.find((r) => r.name === 'conv-batchnorm') ?? affineRules.find((r) => r.name === 'conv-batchnorm')!;
    let ran = 0;
    fc.assert(
      fc.property(arbModel({ around: [negNeg, rule] }).chain((m) => fc.tuple(fc.constant(m), arbFeeds(m))), ([m, feeds]) => {
        expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
        try {
          evaluate(m, feeds);
          ran++;
        } catch {
          // a symbolic dim bound to 0 that a Reshape cannot take (as for any draw)
        }
      }),
      { seed: 3, numRuns: 150 },
    );
    expect(ran).toBeGreaterThan(120);
    const sample = fc.sample(arbModel({ around: negNeg }), { seed: 4, numRuns: 100 });
    expect(sample.filter(hasPair).length).toBeGreaterThan(80);
  });

  test('near misses: some plants are ones the rule must decline', () => {
    const rule = algebraRules.find((r) => r.name === 'neg-neg')!;
    const pass = rewritePass({ name: 'one', summary: 'neg-neg', rules: [rule] })();
    let fired = 0;
    let declined = 0;
    let asOutput = 0;
    const innerIsOutput = (m: Model) => {
      const g = m.graph;
      return g.order.some((id) => {
        const def = g.nodes[id].op === 'Neg' ? g.values[g.nodes[id].inputs[0]!]?.def : undefined;
        return def !== undefined && g.nodes[def.node].op === 'Neg' && g.outputs.includes(g.nodes[id].inputs[0]!);
      });
    };
    for (const m of fc.sample(arbModel({ around: rule }), { seed: 5, numRuns: 200 })) {
      if (!hasPair(m)) continue;
      if ((runSchedule(pass, m).stats.get('one/rule/neg-neg') ?? 0) > 0) fired++;
      else {
        declined++; // the inner Neg is a graph output or has a second reader
        if (innerIsOutput(m)) asOutput++;
      }
    }
    expect(fired).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(10);
    expect(asOutput).toBeGreaterThan(0); // the 'output' near miss, not only second readers
  });

  test('a rule sets the opset it needs; a planting function plants what derivation cannot', () => {
    const swish = fuseRules.find((r) => r.name === 'mul-sigmoid-to-swish')!;
    for (const m of fc.sample(arbModel({ around: swish }), { seed: 6, numRuns: 20 })) expect(m.opsets.find((o) => o.domain === '')?.version).toBe(24);
    const plant: PlantFn = (c) => {
      const a = c.pick(0, (v) => v.dtype === 1);
      if (!a) return false;
      c.push(c.builder.op('Softsign', [a.id], undefined, { types: [c.type(a.dtype, a.shape)] }), a.dtype, a.shape);
      return true;
    };
    for (const m of fc.sample(arbModel({ around: plant }), { seed: 6, numRuns: 50 })) {
      expect(ops(m)).toContain('Softsign');
      expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
    }
  });
});

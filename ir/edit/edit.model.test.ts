/**
 * Model-based test of the Editor (fast-check modelRun): random Add / AddIf / Remove /
 * ReplaceAllUses / SetAttr commands run against the real Editor and a naive edge-list model.
 * After every command the editor's incremental use map (captures by If branches included), its
 * `consumers` and its `producer` must equal what the edge list says; the final model must verify and match it.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LatheError } from '../error.js';
import { GraphBuilder, modelOf } from './build.js';
import { edit, type Consumer, type Editor } from './edit.js';
import type { Model, NodeId, ValueId } from '../types.js';
import { capturesOf, usesOf, type Use } from '../uses.js';
import { verify as verifyAll } from '../verify/verify.js';

/** The verifier less `attr-unknown`: these edits write made-up attribute names on purpose. */
const verify = (m: Parameters<typeof verifyAll>[0]) => verifyAll(m).filter((d) => d.code !== 'attr-unknown');

interface NaiveNode {
  id: NodeId;
  op: string;
  inputs: ValueId[];
  outputs: ValueId[];
  attrs: Map<string, bigint>;
  /** Outer values read by the node's subgraphs. */
  captures: ValueId[];
}

class Naive {
  constructor(
    readonly inputs: ValueId[],
    public nodes: NaiveNode[],
    public outputs: ValueId[],
  ) {}

  values(): ValueId[] {
    return [...this.inputs, ...this.nodes.flatMap((n) => n.outputs)];
  }

  nodeOutputs(): ValueId[] {
    return this.nodes.flatMap((n) => n.outputs);
  }

  uses(v: ValueId): string[] {
    const out: string[] = [];
    for (const n of this.nodes) n.inputs.forEach((x, i) => x === v && out.push(`in:${n.id}:${i}`));
    for (const n of this.nodes) if (n.captures.includes(v)) out.push(`cap:${n.id}`);
    this.outputs.forEach((x, i) => x === v && out.push(`out:${i}`));
    return out.sort();
  }

  /** Does `v` depend (transitively) on `on`? */
  dependsOn(v: ValueId, on: ValueId): boolean {
    const defOf = new Map<ValueId, NaiveNode>();
    for (const n of this.nodes) for (const o of n.outputs) defOf.set(o, n);
    const stack = [v];
    const seen = new Set<ValueId>();
    while (stack.length) {
      const x = stack.pop()!;
      if (x === on) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      const d = defOf.get(x);
      if (d) stack.push(...d.inputs, ...d.captures);
    }
    return false;
  }
}

const useKey = (u: Use) => (u.kind === 'input' ? `in:${u.node}:${u.index}` : u.kind === 'output' ? `out:${u.index}` : `cap:${u.node}`);

/** What the editor says defines `v` and reads it, in the naive model's terms. */
function producerKey(e: Editor, v: ValueId): string {
  const p = e.producer(v);
  return p ? `${p.node.id}:${p.index}:${p.outer}` : 'none';
}
const consumerKey = (c: Consumer) => (c.kind === 'input' ? `in:${c.node.id}:${c.index}` : c.kind === 'output' ? `out:${c.index}` : `cap:${c.node.id}`);

function checkUses(m: Naive, e: Editor) {
  for (const v of m.values()) expect([...e.uses(v)].map(useKey).sort()).toEqual(m.uses(v));
  for (const v of m.values()) expect([...e.consumers(v)].map(consumerKey).sort()).toEqual(m.uses(v));
  for (const v of m.inputs) expect(producerKey(e, v)).toBe('none');
  for (const n of m.nodes) n.outputs.forEach((v, i) => expect(producerKey(e, v)).toBe(`${n.id}:${i}:false`));
  // Consumers carry the node as it is now (after rewiring), not as it was.
  for (const v of m.values()) for (const c of e.consumers(v)) if (c.kind !== 'output') expect(c.node).toBe(e.node(c.node.id));
  for (const n of m.nodes) expect(e.node(n.id)?.inputs).toEqual(n.inputs);
  for (const n of m.nodes) expect([...capturesOf(e.node(n.id)!)].sort()).toEqual([...n.captures].sort());
}

type Real = { e: Editor };

class AddCmd implements fc.Command<Naive, Real> {
  constructor(readonly op: 'Add' | 'Relu', readonly a: number, readonly b: number) {}
  check = () => true;
  run(m: Naive, r: Real) {
    const vals = m.values();
    const inputs = this.op === 'Add' ? [vals[this.a % vals.length], vals[this.b % vals.length]] : [vals[this.a % vals.length]];
    const [out] = r.e.add(this.op, inputs);
    const id = r.e.value(out!)!.def!.node;
    m.nodes.push({ id, op: this.op, inputs, outputs: [out!], attrs: new Map(), captures: [] });
    checkUses(m, r.e);
  }
  toString = () => `Add(${this.op}, ${this.a}, ${this.b})`;
}

/** An If whose then-branch computes Relu(a) and whose else-branch outputs b: both captured. */
class AddIfCmd implements fc.Command<Naive, Real> {
  constructor(readonly c: number, readonly a: number, readonly b: number) {}
  check = () => true;
  run(m: Naive, r: Real) {
    const vals = m.values();
    const [c, a, b] = [vals[this.c % vals.length], vals[this.a % vals.length], vals[this.b % vals.length]];
    const t = r.e.subgraph('then');
    t.output(t.op('Relu', [a]));
    const e = r.e.subgraph('else');
    e.output(b);
    const [out] = r.e.add('If', [c], { then_branch: t.build(), else_branch: e.build() });
    const id = r.e.value(out)!.def!.node;
    m.nodes.push({ id, op: 'If', inputs: [c], outputs: [out], attrs: new Map(), captures: a === b ? [a] : [a, b] });
    checkUses(m, r.e);
  }
  toString = () => `AddIf(${this.c}, ${this.a}, ${this.b})`;
}

class RemoveCmd implements fc.Command<Naive, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Naive>) => m.nodes.length > 0;
  run(m: Naive, r: Real) {
    const n = m.nodes[this.pick % m.nodes.length];
    const used = n.outputs.some((v) => m.uses(v).length > 0);
    if (used) {
      expect(() => r.e.remove(n.id)).toThrow(LatheError);
    } else {
      r.e.remove(n.id);
      m.nodes = m.nodes.filter((x) => x !== n);
      expect(r.e.node(n.id)).toBeUndefined();
    }
    checkUses(m, r.e);
  }
  toString = () => `Remove(${this.pick})`;
}

class ReplaceCmd implements fc.Command<Naive, Real> {
  constructor(readonly from: number, readonly to: number) {}
  private pick(m: Readonly<Naive>): [ValueId, ValueId] | null {
    const outs = (m as Naive).nodeOutputs();
    const vals = (m as Naive).values();
    if (outs.length === 0) return null;
    const from = outs[this.from % outs.length];
    const to = vals[this.to % vals.length];
    if (from === to || (m as Naive).dependsOn(to, from)) return null;
    return [from, to];
  }
  check = (m: Readonly<Naive>) => this.pick(m) !== null;
  run(m: Naive, r: Real) {
    const [from, to] = this.pick(m)!;
    r.e.replaceAllUses(from, to);
    for (const n of m.nodes) {
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
      n.captures = [...new Set(n.captures.map((v) => (v === from ? to : v)))];
    }
    m.outputs = m.outputs.map((v) => (v === from ? to : v));
    checkUses(m, r.e);
  }
  toString = () => `ReplaceAllUses(${this.from}, ${this.to})`;
}

class SetAttrCmd implements fc.Command<Naive, Real> {
  constructor(readonly pick: number, readonly name: string, readonly value: bigint) {}
  check = (m: Readonly<Naive>) => m.nodes.length > 0;
  run(m: Naive, r: Real) {
    const n = m.nodes[this.pick % m.nodes.length];
    r.e.setAttr(n.id, this.name, this.value);
    n.attrs.set(this.name, this.value);
    const a = r.e.node(n.id)!.attrs.find((x) => x.name === this.name);
    expect(a).toEqual({ name: this.name, kind: 'int', value: this.value });
    checkUses(m, r.e);
  }
  toString = () => `SetAttr(${this.pick}, ${this.name}, ${this.value})`;
}

function start(): { model: Model; naive: () => Naive } {
  const b = new GraphBuilder();
  const x0 = b.input('x0');
  const x1 = b.input('x1');
  const r = b.op('Relu', [x0]);
  const s = b.op('Add', [r, x1]);
  b.output(s);
  const g = b.build();
  const [n0, n1] = g.order;
  return {
    model: modelOf(g),
    naive: () =>
      new Naive(
        [x0, x1],
        [
          { id: n0, op: 'Relu', inputs: [x0], outputs: [r], attrs: new Map(), captures: [] },
          { id: n1, op: 'Add', inputs: [r, x1], outputs: [s], attrs: new Map(), captures: [] },
        ],
        [s],
      ),
  };
}

const commands = fc.commands(
  [
    fc.tuple(fc.constantFrom('Add' as const, 'Relu' as const), fc.nat(), fc.nat()).map(([op, a, b]) => new AddCmd(op, a, b)),
    fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([c, a, b]) => new AddIfCmd(c, a, b)),
    fc.nat().map((p) => new RemoveCmd(p)),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => new ReplaceCmd(a, b)),
    fc.tuple(fc.nat(), fc.constantFrom('a', 'b'), fc.bigInt({ min: -3n, max: 3n })).map(([p, n, v]) => new SetAttrCmd(p, n, v)),
  ],
  { maxCommands: 30 },
);

describe('Editor (model-based)', () => {
  test('incremental uses match a naive edge list; result verifies and matches', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const { model, naive } = start();
        let m!: Naive;
        const out = edit(model, (e) => {
          fc.modelRun(() => ({ model: (m = naive()), real: { e } }), cmds);
        });
        expect(verify(out)).toEqual([]);
        const g = out.graph;
        expect(new Set(g.order)).toEqual(new Set(m.nodes.map((n) => n.id)));
        for (const n of m.nodes) {
          const real = g.nodes[n.id];
          expect(real.inputs).toEqual(n.inputs);
          const ints = real.attrs.filter((a) => a.kind === 'int');
          expect(new Map(ints.map((a) => [a.name, a.value]))).toEqual(n.attrs);
        }
        expect(g.outputs).toEqual(m.outputs);
        // The derived index of the result agrees with the naive model too.
        const index = usesOf(g);
        for (const v of m.values()) expect((index.get(v) ?? []).map(useKey).sort()).toEqual(m.uses(v));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

/**
 * Edit-session timings: `node --expose-gc dist/bench/edit.js [--impl path/to/edit.js]… [--case a1,b1…]`.
 *
 * With several `--impl` modules (each exporting `edit`, e.g. an older build of ir/edit.js), every
 * case runs on each in turn, alternating, in one process, and the best of 3 is kept; a ratio of
 * two implementations measured that way survives the noise of a shared machine. Each run edits a
 * fresh shallow copy of the model, so it pays what a first edit pays (use index, id scan).
 *
 * Cases: (a) no-op edits of a 200k-node graph, (b) one session rewriting a 200k-node graph,
 * (c) 1,000 separate small edits of a 20k-node graph, (d) edits of a 10,000-deep nested model.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { GraphBuilder, modelOf, tensorType } from '../ir/edit/build.js';
import type { Graph, Model, ValueId } from '../ir/types.js';
import type { Editor } from '../ir/edit/edit.js';
import { chainOf } from './chain.js';

type EditFn = (model: Model, recipe: (e: Editor) => void) => Model;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/**
 * A chain of `n` nodes cycling Relu, Identity, Neg, Add(prev, an earlier value): every 4th node an
 * Identity, every 4th an Add with a second input to rewire.
 */
export function chainModel(n: number): Model {
  return chainOf('chain', n, (i, prev) => {
    const op = ['Relu', 'Identity', 'Neg', 'Add'][i % 4];
    return { op, inputs: op === 'Add' ? [prev, `v${Math.max(0, i - 7)}` as ValueId] : [prev] };
  }, true);
}

/** `depth` nested Ifs, each then-branch holding the next; every level's else-branch reads `x`. */
export function nestedModel(depth: number): Model {
  const f32 = tensorType(1, [2, 2]);
  const b = new GraphBuilder();
  const c = b.input('c', tensorType(9, []));
  const x = b.input('x', f32);
  const leaf = (parent: GraphBuilder) => {
    const sb = parent.subgraph('leaf');
    sb.output(sb.op('Neg', [x], undefined, { types: [f32] }));
    return sb.build();
  };
  let inner: Graph | undefined;
  for (let level = depth; level >= 1; level--) {
    const sb = new GraphBuilder(`level${level}`, b.ids);
    sb.output(inner ? sb.op('If', [c], { then_branch: inner, else_branch: leaf(sb) }) : sb.op('Relu', [x]));
    inner = sb.build();
  }
  b.output(b.op('If', [c], { then_branch: inner!, else_branch: leaf(b) }), 'y');
  return modelOf(b.build());
}

/** A copy sharing all data but with new Model and Graph objects (no cached index applies). */
const fresh = (m: Model): Model => ({ ...m, graph: { ...m.graph } });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench/edit: ${what}`);
}

interface Case {
  name: string;
  title: string;
  run(edit: EditFn): void;
}

function cases(): Case[] {
  const big = chainModel(200_000);
  const small = chainModel(20_000);
  const deep = nestedModel(10_000);
  const [c, x] = deep.graph.inputs;
  return [
    {
      name: 'a1',
      title: '(a) no-op edit, empty recipe, 200k nodes',
      run: (edit) => {
        const m = fresh(big);
        check(edit(m, () => {}) === m, 'a1 changed the model');
      },
    },
    {
      name: 'a2',
      title: '(a) no-op edit, full scan + 50k same-value setInput, 200k nodes',
      run: (edit) => {
        const m = fresh(big);
        const out = edit(m, (e) => {
          for (const n of e.nodes({ op: 'Add' })) e.setInput(n.id, 1, n.inputs[1]);
        });
        check(out === m, 'a2 changed the model');
      },
    },
    {
      name: 'b1',
      title: '(b) remove all 50k Identity nodes in one session, 200k nodes',
      run: (edit) => {
        const out = edit(fresh(big), (e) => {
          for (const n of e.nodes({ op: 'Identity' })) {
            e.replaceAllUses(n.outputs[0]!, n.inputs[0]!);
            e.remove(n.id);
          }
        });
        check(out.graph.order.length === 150_000, 'b1 left Identity nodes');
      },
    },
    {
      name: 'b2',
      title: "(b) replace every 4th node's input (50k setInput) in one session, 200k nodes",
      run: (edit) => {
        const m = fresh(big);
        const x0 = m.graph.inputs[0];
        const out = edit(m, (e) => {
          for (const n of e.nodes({ op: 'Add' })) e.setInput(n.id, 1, x0);
        });
        check(out.graph.nodes[out.graph.order[3]].inputs[1] === x0, 'b2 did not rewire');
      },
    },
    {
      name: 'c',
      title: '(c) 1,000 separate small edits (setAttr / setInput), 20k nodes',
      run: (edit) => {
        let m = fresh(small);
        const x0 = m.graph.inputs[0];
        for (let k = 0; k < 1000; k++) {
          const id = m.graph.order[(k * 7919) % 20_000];
          m = edit(m, (e) => (k % 2 ? e.setAttr(id, 'k', BigInt(k)) : e.setInput(id, 0, x0)));
        }
        check(m.graph.order.length === 20_000, 'c lost nodes');
      },
    },
    {
      name: 'd1',
      title: '(d) setAttr on the If of a 10,000-deep nested model',
      run: (edit) => {
        const m = fresh(deep);
        const out = edit(m, (e) => {
          for (const n of e.nodes({ op: 'If' })) e.setAttr(n.id, 'marker', 1n);
        });
        check(out !== m, 'd1 changed nothing');
      },
    },
    {
      name: 'd2',
      title: '(d) replaceAllUses of a value read at all 10,000 levels',
      run: (edit) => {
        const m = fresh(deep);
        const out = edit(m, (e) => e.replaceAllUses(x, c));
        check(out !== m && out.graph.outputs.length === 1, 'd2 changed nothing');
      },
    },
  ];
}

function seconds(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const impls: string[] = [];
  let only: string[] | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--impl') impls.push(resolve(args[++i]));
    else if (args[i] === '--case') only = args[++i].split(',');
  }
  if (impls.length === 0) impls.push(new URL('../ir/edit/edit.js', import.meta.url).pathname);
  const edits: EditFn[] = [];
  for (const p of impls) edits.push(((await import(pathToFileURL(p).href)) as { edit: EditFn }).edit);
  const list = cases().filter((c) => !only || only.includes(c.name));
  console.log(`| case | ${impls.map((p, i) => `#${i + 1}`).join(' | ')} |`);
  console.log(`| --- | ${impls.map(() => '---').join(' | ')} |`);
  for (const c of list) {
    const bestOf = edits.map(() => Infinity);
    for (let rep = 0; rep < 3; rep++) {
      edits.forEach((edit, i) => {
        gc();
        bestOf[i] = Math.min(bestOf[i], seconds(() => c.run(edit)));
      });
    }
    console.log(`| ${c.title} | ${bestOf.map((s) => `${(s * 1000).toFixed(1)} ms`).join(' | ')} |`);
  }
  console.log('');
  impls.forEach((p, i) => console.log(`#${i + 1}: ${p}`));
}

await main();

/**
 * Property over random small models (ir/text/arb.test-util.ts: every dtype and storage form,
 * tensor docs and segments, denotations, dim denotations, metadata, unknown fields, orphans,
 * functions, subgraphs reading outer values): once a model has been through the wire, lift and
 * emit lose nothing: encode(emit(lift(decode(B)))) decodes to what B does (value_info order aside).
 *
 * roundtrip.test.ts runs the same bridge over real files, which rarely carry these fields: a lift
 * that dropped dim denotations went unnoticed there. The first trip is not compared with the
 * random model itself: the IR can say things the wire cannot (an initializer whose tensor is named
 * apart from its value, an orphan named like a value without info, an empty metadata list), and
 * the first emit settles them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { arbModelSeed, randomModel } from '../text/arb.test-util.js';
import type { Graph, Model } from '../types.js';
import { decodeModel } from './decode.js';
import { emitModel } from './emit.js';
import { encodeModelToBytes } from './encode.js';
import { liftModel } from './lift.js';

/**
 * The generator's `extra` lists are arbitrary bytes (the text syntax carries them as they are); on
 * the wire they must be whole unknown fields, so each becomes a length-delimited field 9000 + i.
 */
function wireExtras(x: unknown, seen = new Set<object>()): void {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || seen.has(x)) return;
  seen.add(x);
  const o = x as Record<string, unknown>;
  if (Array.isArray(o.extra)) {
    o.extra = (o.extra as Uint8Array[]).map((b, i) => {
      const tag = ((9000 + i) << 3) | 2;
      return Uint8Array.from([(tag & 127) | 128, ((tag >> 7) & 127) | 128, tag >> 14, b.length, ...b]);
    });
  }
  for (const k of Object.keys(o)) wireExtras(o[k], seen);
}

const toBytes = (m: Model) => encodeModelToBytes(emitModel(m, { external: 'never' }).proto);
const fromBytes = (b: Uint8Array) => liftModel(decodeModel(memorySource(b)));

/**
 * The decoded protobuf as JSON, value_info lists sorted: a model's value_info order means nothing,
 * and emit lists orphans after the values it finds in the graph, which may reorder them once.
 */
function canonical(b: Uint8Array): string {
  const plain = (k: string, v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, String);
    // An entry naming a value and saying nothing of it is dropped by lift (nothing to apply).
    const says = (e: Record<string, unknown>) => Object.keys(e).some((f) => f !== 'name' && f !== 'metadataProps') || (e.metadataProps as unknown[]).length > 0;
    if (k === 'valueInfo' && Array.isArray(v)) return v.filter(says).map((e) => JSON.stringify(e, plain, 1)).sort();
    return v;
  };
  return JSON.stringify(decodeModel(memorySource(b)), plain, 1);
}

function firstDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = la.findIndex((x, k) => x !== lb[k]);
  return `line ${i}: ${la.slice(Math.max(0, i - 3), i + 2).join(' ')} vs ${lb.slice(Math.max(0, i - 3), i + 2).join(' ')}`;
}

/** A field line of `a`'s JSON that `b` holds fewer times, or null. */
function lostLine(a: string, b: string): string | null {
  const count = new Map<string, number>();
  // Fields with a value (not brackets, not empty lists), with their indentation as context.
  const lines = (s: string) => s.split('\n').map((l) => l.replace(/,$/, '')).filter((l) => !/^\s*("\w+": )?([[{}\]]|\[\])$/.test(l));
  for (const l of lines(b)) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of lines(a)) {
    const n = count.get(l) ?? 0;
    if (n === 0) return `lost ${l.trim()}`;
    count.set(l, n - 1);
  }
  return null;
}

function graphsOf(m: Model): Graph[] {
  const out: Graph[] = [];
  const visit = (g: Graph) => {
    out.push(g);
    for (const id of g.order) {
      for (const a of g.nodes[id].attrs) {
        if (a.kind === 'graph') visit(a.value);
        if (a.kind === 'graphs') a.value.forEach(visit);
      }
    }
  };
  visit(m.graph);
  m.functions.forEach((f) => visit(f.graph));
  return out;
}

/**
 * Whether two values of the main graph and its subgraphs (or of one function body) share a name:
 * the wire joins values by name, so such a model may come back joined differently (a graph output
 * named like an input is that input once read back).
 */
function repeatsAName(m: Model): boolean {
  const scopes = [graphsOf({ ...m, functions: [] }), ...m.functions.map((f) => graphsOf({ ...m, graph: f.graph, functions: [] }))];
  return scopes.some((graphs) => {
    const names = new Set<string>();
    for (const g of graphs) {
      for (const v of Object.values(g.values)) {
        if (!v.name) continue;
        if (names.has(v.name)) return true;
        names.add(v.name);
      }
    }
    return false;
  });
}

describe('wire round trip (property)', () => {
  it('emit and lift lose nothing of a model read from the wire', () => {
    let lifted = 0;
    fc.assert(
      fc.property(arbModelSeed, (seed) => {
        const m = randomModel(seed);
        wireExtras(m);
        if (repeatsAName(m)) return;
        const bytes = toBytes(m);
        let once: Model;
        try {
          once = fromBytes(bytes);
        } catch (e) {
          // The generator also builds payloads lift refuses (a uint64_data uint2 tensor, raw bytes
          // of the wrong length): those are bad-input cases, not round trips.
          if (!(e instanceof LatheError)) throw e;
          return;
        }
        lifted++;
        // The first trip may add what lift infers (an output entry without a type takes its
        // value's), never lose anything; after it the model is settled and trips are exact.
        const twice = toBytes(once);
        const thrice = toBytes(fromBytes(twice));
        const diff = lostLine(canonical(bytes), canonical(twice)) ?? firstDifference(canonical(thrice), canonical(twice));
        if (diff !== null) throw new Error(`seed ${seed}: ${diff}`);
      }),
      { seed: 42, numRuns: 400 },
    );
    // Most generated models carry some payload lift refuses; enough must get through to mean something.
    expect(lifted).toBeGreaterThan(100);
  });
});

/**
 * No import cycles among the modules of ir/, src/, passes/ and node/ (tests and test helpers
 * aside): a cycle means neither module can be read, tested or moved without the other, and ESM
 * evaluates one of them half-initialized. Type-only imports count too: they tie the designs
 * together just the same.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../support/shared.js';
import { moduleSources, moduleSpecifiers, withoutComments } from '../support/sources.js';

const ROOTS = ['ir', 'src', 'passes', 'node', 'browser', 'web'];

/** Relative specifiers the source imports in any form (comments aside). */
function importsOf(text: string): string[] {
  return moduleSpecifiers(withoutComments(text)).map((m) => m.spec).filter((spec) => spec.startsWith('.'));
}

function resolveSpec(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const p of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** The strongly connected components with more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iteratively (a deep import chain must not overflow the stack).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const edges = graph.get(v) ?? [];
      if (i < edges.length) {
        top[1]++;
        const w = edges[i];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || edges.includes(v)) found.push(component.sort());
      }
    }
  }
  return found;
}

test('the modules of ir/, src/, passes/ and node/ import each other without cycles', () => {
  const files = ROOTS.flatMap((d) => moduleSources(join(projectRoot, d)));
  expect(files.length).toBeGreaterThan(100);
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const f of files) {
    const key = relative(projectRoot, f);
    const edges: string[] = [];
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const target = resolveSpec(f, spec);
      if (target === undefined) unresolved.push(`${key}: ${spec}`);
      else edges.push(relative(projectRoot, target));
    }
    graph.set(key, edges);
  }
  // An import the test cannot follow would hide a cycle behind it.
  expect(unresolved).toEqual([]);
  const edgeCount = [...graph.values()].reduce((n, e) => n + e.length, 0);
  expect(edgeCount).toBeGreaterThan(files.length);
  expect(cycles(graph)).toEqual([]);
});

test('the cycle finder finds a cycle, and only a cycle', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
  ]);
  expect(cycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
  expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
});

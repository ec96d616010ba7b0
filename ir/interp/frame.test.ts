import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../ops/registry.js';
import type { OpDef } from '../ops/types.js';
import type { Attr, Graph, Model, Node, NodeId, OnnxFunction } from '../types.js';
import { checkDepth, findFunction, functionFrame, modelFrame, nodeAttrs, opsetMap, resolveOp, subgraphFrame } from './frame.js';
import { Scope } from './scope.js';

const graph: Graph = { name: 'g', inputs: [], outputs: [], initializers: [], sparseInitializers: [], order: [], nodes: {}, values: {} };
const node = (op: string, domain = '', attrs: Attr[] = [], overload?: string): Node => ({
  id: 'n' as NodeId, op, domain, inputs: [], outputs: [], attrs, ...(overload ? { overload } : {}),
});
const fn = (name: string, overload?: string, defaults: Attr[] = [], opsets = [{ domain: '', version: 13 }]): OnnxFunction => ({
  name, domain: 'local', params: ['alpha', 'beta'], paramDefaults: defaults, opsets, graph, ...(overload ? { overload } : {}),
});
const ref = (name: string, to: string): Attr => ({ name, kind: 'ref', ref: to } as Attr);

describe('the interpreter skeleton', () => {
  it('opsets: ai.onnx is the default domain; a function imports over its caller', () => {
    const model = { opsets: [{ domain: 'ai.onnx', version: 11 }, { domain: 'x', version: 2 }] } as unknown as Model;
    const top = modelFrame(model);
    expect([...top.opsets]).toEqual([['', 11], ['x', 2]]);
    const inner = functionFrame(top, fn('F'), node('F', 'local'));
    expect([...inner.opsets]).toEqual([['', 13], ['x', 2]]);
    expect(inner.depth).toBe(1);
    expect(subgraphFrame(inner).depth).toBe(2);
    expect([...opsetMap([{ domain: 'y', version: 1 }], inner.opsets)]).toContainEqual(['y', 1]);
  });

  it('resolves a node to the table op of its imported opset', () => {
    const def: OpDef = { domain: '', name: 'Foo', since: [1, 12], kernel: () => [] };
    const registry = buildRegistry([def]);
    const frame = { opsets: opsetMap([{ domain: '', version: 11 }]), depth: 0 };
    expect(resolveOp(registry, frame, node('Foo'))).toEqual({ def, opset: 11 });
    expect(resolveOp(registry, frame, node('Foo', 'other'))).toBeUndefined();
    expect(resolveOp(registry, { opsets: new Map([['', 0]]), depth: 0 }, node('Foo'))).toBeUndefined();
  });

  it('finds local functions by domain, name and overload', () => {
    const fs = [fn('F'), fn('F', 'v2')];
    expect(findFunction(fs, node('F', 'local'))).toBe(fs[0]);
    expect(findFunction(fs, node('F', 'local', [], 'v2'))).toBe(fs[1]);
    expect(findFunction(fs, node('F', 'other'))).toBeUndefined();
  });

  it('binds ref attributes to the caller (through nested calls), else to the defaults', () => {
    const f = fn('F', undefined, [{ name: 'alpha', kind: 'float', value: 0.5 }, { name: 'beta', kind: 'int', value: 7n }]);
    const outer = functionFrame({ opsets: new Map(), depth: 0 }, f, node('F', 'local', [{ name: 'alpha', kind: 'float', value: 2 }]));
    const body = node('Elu', '', [ref('alpha', 'alpha'), ref('beta', 'beta'), ref('gamma', 'gamma')]);
    const attrs = nodeAttrs(outer, body, 'body');
    expect(attrs.float('alpha')).toBe(2); // the caller's
    expect(attrs.int('beta')).toBe(7); // the function's default
    expect(attrs.has('gamma')).toBe(false); // neither: absent, as ONNX says
    // A call from inside a function body whose own attribute is a reference to the outer call.
    const inner = functionFrame(outer, f, node('F', 'local', [ref('alpha', 'alpha')]));
    expect(nodeAttrs(inner, body, 'body').float('alpha')).toBe(2);
  });

  it('bounds the nesting and chains scopes', () => {
    expect(() => checkDepth({ opsets: new Map(), depth: 4 }, graph, 3)).toThrow(/nest deeper than 3 levels/);
    expect(() => checkDepth({ opsets: new Map(), depth: 3 }, graph, 3)).not.toThrow();
    const outer = new Scope<number>();
    outer.values.set('a' as never, 1);
    outer.values.set('b' as never, null);
    const inner = new Scope<number>(outer);
    inner.values.set('a' as never, 2);
    expect([inner.lookup('a' as never), inner.lookup('b' as never), inner.lookup('c' as never)]).toEqual([2, null, undefined]);
  });
});

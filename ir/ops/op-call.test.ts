import { describe, expect, it } from 'vitest';
import { standardOpCall } from './op-call.js';
import type { Node } from '../types.js';

const node = (op: string, extra: Partial<Node> = {}): Node => ({ id: 'n', op, domain: '', inputs: ['x'], outputs: ['y'], attrs: [], ...extra }) as unknown as Node;

describe('standardOpCall', () => {
  it('resolves an op of the table at an opset where it exists', () => {
    expect(standardOpCall(node('Relu'), 17)?.name).toBe('Relu');
    expect(standardOpCall(node('Gelu'), 20)?.name).toBe('Gelu');
  });
  it('is undefined before the op exists: a node named Gelu at opset 17 calls a local function', () => {
    expect(standardOpCall(node('Gelu'), 19)).toBeUndefined();
    expect(standardOpCall(node('CastLike'), 14)).toBeUndefined();
    expect(standardOpCall(node('CastLike'), 15)?.name).toBe('CastLike');
  });
  it('is undefined for a node with an overload (only function calls have one)', () => {
    expect(standardOpCall(node('Relu', { overload: 'neg' }), 17)).toBeUndefined();
  });
  it('is undefined when the domain is not imported, or the op is unknown', () => {
    expect(standardOpCall(node('Relu'), undefined)).toBeUndefined();
    expect(standardOpCall(node('NoSuchOp'), 17)).toBeUndefined();
    expect(standardOpCall(node('Relu', { domain: 'custom' }), 1)).toBeUndefined();
  });
});

/** cannotMatch: the driver's quick test never rejects a node the matcher would match. */
import { describe, expect, it } from 'vitest';
import { editAll } from '../../ir/edit/edit.js';
import { parseModel } from '../../ir/text/parse.js';
import { cannotMatch, matchAt, Operands } from './match.js';
import { P, op } from './pattern.js';
import type { PNode } from './pattern.js';
import { editorView } from './view.js';

const [a, b, c, x] = P.vars('a', 'b', 'c', 'x');
const roots: Record<string, PNode> = {
  'matmul-add': op.Add(op.MatMul(a, b), c).node,
  'neg-neg': op.Neg(op.Neg(x)).node,
  'add-const': op.Add(x, P.const()).node,
  'add-add-const': op.Add(op.Add(x, P.constVar('k')), P.constVar('l')).node,
  'or-producer': op.Relu(P.or(op.Neg(x), op.Abs(x))).node,
  'or-root': P.or(op.Sigmoid(op.Neg(x)), op.Tanh(x)).node,
  'rest': op.Concat(op.Concat(P.rest()), P.rest()).node,
  'slice': op.Slice(op.Slice(x, P.rest()), P.rest()).node,
};

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[3,2] q, float[2] r) => (float[2,2] y, float[2,2] z, float[4,2] w, float[2,2] s, float[2,2] u) <float[2] k = {1.0, 2.0}> {
  t = MatMul (p, q)
  y0 = Add (r, t)
  y1 = Add (y0, k)
  c1 = Constant <value = float[1] {3.0}> ()
  y = Add (y1, c1)
  n = Neg (y)
  nn = Neg (n)
  rl = Relu (nn)
  ab = Abs (rl)
  ra = Relu (ab)
  z = Sigmoid (n)
  th = Tanh (ra)
  cc = Concat <axis = 0> (th, z)
  w = Concat <axis = 0> (cc)
  s = Add (t, r)
  u = Add (k, s)
}`);

describe('cannotMatch', () => {
  it('rejects only nodes where matchAt finds nothing, and rejects some', () => {
    let rejected = 0;
    let matched = 0;
    editAll(model, (e) => {
      const view = editorView(e, false);
      for (const node of e.nodes()) {
        const operands = new Operands(node, view);
        for (const [name, root] of Object.entries(roots)) {
          const found = [...matchAt(root, node, view, { failure: '' })].length > 0;
          const quick = cannotMatch(root, operands);
          if (found) matched++;
          if (quick) rejected++;
          expect(quick && found, `${name} at ${node.op} ${node.outputs[0]}`).toBe(false);
        }
      }
    });
    expect(matched).toBeGreaterThanOrEqual(8);
    expect(rejected).toBeGreaterThan(50);
  });
});

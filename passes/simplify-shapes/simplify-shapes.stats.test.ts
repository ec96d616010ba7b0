import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { createPassContext } from '../../src/pass.js';
import { simplifyShapes } from './simplify-shapes.js';

const header = '<ir_version: 8, opset_import: ["" : 17]>';

/** The stats a run reports (what `--stats` prints): counted when something happened, not as zeros. */
function stats(text: string): Map<string, number> {
  const ctx = createPassContext();
  simplifyShapes().run(parseModel(`${header}\n${text}`), ctx);
  return ctx.counts;
}

describe('simplify-shapes stats', () => {
  it('counts one value made constant and one node removed', () => {
    const counts = stats(`g (float[2,3] x) => (y) {
  s = Shape (x)
  y = Reshape (x, s)
}`);
    expect(counts.get('values-made-constant')).toBe(1);
    expect(counts.get('nodes-removed')).toBe(1);
  });

  it('reports nothing when nothing is made', () => {
    const counts = stats(`g (float[n] x) => (y) {
  y = Neg (x)
}`);
    expect([...counts.keys()]).toEqual([]);
  });
});

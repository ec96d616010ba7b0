/**
 * The targets checkPass runs the quantization passes as: the dynamic one must quantize the small
 * weights generated models have (with its default of 64 elements it leaves them float, and the
 * bound would hold whatever the quantization did).
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { createPassContext } from '../src/pass.js';
import { quantizeCheckTargets } from './quantize-check.js';

describe('quantizeCheckTargets', () => {
  it('the dynamic pass as checked quantizes a 2×2 weight', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1,2] x) => (float[1,2] y) <float[2,2] w = {0.5, -1.0, 0.25, 0.75}> {
  y = MatMul (x, w)
}`);
    const out = quantizeCheckTargets()['quantize-int8-dynamic']!.pass.run(m, createPassContext());
    expect(out.graph.order.map((id) => out.graph.nodes[id]!.op)).toContain('MatMulInteger');
  });
});

/** The optimization report's op changes count ops inside subgraphs too. */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { buildReport, opChanges } from './report.js';
import { summarizeModel } from './inspect.js';

const withBranch = (branch: string) =>
  parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (z) {
  z = If (c) <then_branch = t () => (o) { ${branch} }, else_branch = e () => (o2) { o2 = Relu (x) }>
}`);

describe('report op changes', () => {
  it('an op removed inside an If branch is a change (main graph unchanged)', () => {
    // The main graph holds the If both times: only the branch's Neg(Neg(x)) → Identity(x) differs.
    const before = withBranch('n = Neg (x)  o = Neg (n)');
    const after = withBranch('o = Identity (x)');
    expect(opChanges(summarizeModel(before), summarizeModel(after))).toEqual([
      { op: 'Neg', before: 2, after: 0 },
      { op: 'Identity', before: 0, after: 1 },
    ]);
    const report = buildReport({ before, after, level: null, pipeline: '', records: [], stats: new Map(), warnings: [] });
    expect(report.ops).toEqual([
      { op: 'Neg', before: 2, after: 0 },
      { op: 'Identity', before: 0, after: 1 },
    ]);
  });
});

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

  it('rules fired are listed most first, ties by rule name', () => {
    const m = withBranch('o = Identity (x)');
    const stats = new Map([
      ['fuse/rule/gelu-erf', 1],
      ['fold-affine/rule/conv-add', 3],
      ['fuse/rule/attention', 1],
      ['fuse/fused', 2],
    ]);
    const report = buildReport({ before: m, after: m, level: null, pipeline: '', records: [], stats, warnings: [] });
    expect(report.rules.map((r) => `${r.pass}/${r.rule}: ${r.count}`)).toEqual(['fold-affine/conv-add: 3', 'fuse/attention: 1', 'fuse/gelu-erf: 1']);
    // A pass's own counter goes to its pass entry, not to the rules.
    expect(report.passes).toEqual([{ pass: 'fuse', runs: 0, changed: 0, ms: 0, stats: { fused: 2 } }]);
  });
});

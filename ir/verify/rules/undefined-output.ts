/**
 * `undefined-output`: a graph output that is not defined there: defined nowhere, only later (by
 * a cycle) or only in a graph that does not enclose it.
 */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export type OutputProblem = 'nowhere' | 'later' | 'elsewhere';

const why: Record<OutputProblem, string> = {
  nowhere: 'is not defined anywhere',
  later: 'is read before it is defined',
  elsewhere: 'belongs to a graph that does not enclose this one',
};

export function undefinedOutput(ctx: VerifyContext, p: GraphPath, name: string, problem: OutputProblem): void {
  ctx.report('undefined-output', `output ${name} ${why[problem]}`, p, { value: name });
}

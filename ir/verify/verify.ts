/**
 * verify(model): every structural invariant of the IR, checked in two linear walks (no recursion:
 * a 10,000-deep graph verifies). Each code below is judged by one rule in rules/ (named for the
 * code; `tensor-payload.ts` judges tensors' bad-dims and tensor-size, `bad-dims.ts` types'):
 * a small function over the shared context (context.ts) that the walks call where the facts are:
 * definitions.ts (where every value and node is defined: the tables) and scopes.ts (what every
 * read can see).
 *
 * Codes (one test each in verify.test.ts):
 * - `duplicate-value-id`   a ValueId defined twice in the model (ids are model-wide)
 * - `duplicate-node-id`    a NodeId used twice (in one `order`, or in two graphs)
 * - `duplicate-name`       an ONNX value name defined twice in one graph
 * - `shadowed-name`        (warning) a subgraph redefines a visible outer name; ONNX forbids it,
 *                          but exporters emit it and lathe's ids make it harmless
 * - `duplicate-initializer` two initializers of one graph with the same name
 * - `node-table`           `order` and `nodes` disagree (missing node, node outside order, bad key)
 * - `value-table`          a defined value without a `values` entry, or with a wrong id/def/tensor
 * - `use-before-def`       a read of a value defined later in its graph or an enclosing graph
 * - `cycle`                nodes that depend on each other (reported once per cycle found)
 * - `out-of-scope`         a read of a value of a graph that does not enclose the reader
 * - `undefined-value`      a read of a value defined nowhere
 * - `undefined-output`     a graph output that is not defined (or not visible) there
 * - `null-graph-io`        a null or non-id in a graph's input/output list
 * - `no-outputs`           a node without any output
 * - `unknown-domain`       a node domain with no opset import (model's, or the function's own for
 *                          function bodies) that names no local function either
 * - `bad-dims`             negative/non-integer tensor or type dims, or an element count past 2^53
 * - `tensor-size`          payload length ≠ dtype × dims
 * - `duplicate-function`   two functions with one (domain, name, overload)
 * - `function-cycle`       functions calling each other recursively
 * - `nesting-depth`        subgraphs nested deeper than `maxDepth` (not verified further)
 *
 */
import type { Model } from '../types.js';
import { createContext, type VerifyOptions } from './context.js';
import { collectDefinitions } from './definitions.js';
import type { Diagnostic } from './diagnostic.js';
import { duplicateFunction } from './rules/duplicate-function.js';
import { functionCycle } from './rules/function-cycle.js';
import { checkSchema } from './schema.js';
import { checkScopes } from './scopes.js';

export type { Diagnostic } from './diagnostic.js';
export type { VerifyOptions } from './context.js';

/** The diagnostics of `model`, errors and warnings, in the order found (empty when it is sound). */
export function verify(model: Model, options: VerifyOptions = {}): Diagnostic[] {
  const ctx = createContext(model, options);
  duplicateFunction(ctx);
  collectDefinitions(ctx);
  checkScopes(ctx);
  functionCycle(ctx);
  checkSchema(model, ctx.out, ctx.maxDepth); // op schemas and versions: codes in ./schema.ts
  return ctx.out;
}

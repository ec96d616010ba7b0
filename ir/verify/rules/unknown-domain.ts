/**
 * `unknown-domain`: a node domain with no opset import (the model's, or the function's own for
 * function bodies; or one of `knownDomains`) that names no local function either.
 */
import { normalizeDomain } from '../../domain.js';
import type { Node, OpsetId } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** The domains nodes may use under `opsets`, in IR spelling ('' for the ONNX domain). */
export function importedDomains(ctx: VerifyContext, opsets: readonly OpsetId[]): Set<string> {
  const s = new Set<string>();
  for (const o of opsets) s.add(normalizeDomain(o.domain));
  for (const d of ctx.options.knownDomains ?? []) s.add(normalizeDomain(d));
  return s;
}

export function unknownDomain(ctx: VerifyContext, p: GraphPath, node: Node, pos: number, domains: ReadonlySet<string>): void {
  if (domains.has(normalizeDomain(node.domain)) || ctx.callsLocal(node) !== undefined) return;
  const where = nodeLabel(node, pos);
  ctx.report('unknown-domain', `node ${where} uses domain '${node.domain}', which has no opset import`, p, { node: where });
}

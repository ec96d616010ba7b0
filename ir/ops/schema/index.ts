/**
 * Op schemas of the standard domains (ai.onnx, ai.onnx.ml, ai.onnx.preview.training,
 * ai.onnx.preview): what ONNX says every version of every op takes and allows, for the verifier.
 * Stands alone from the evaluator's op table (`OpDef`); the tables live one per family beside
 * this file. Rows are decoded on first use of each op.
 */
import type { SchemaRow, SchemaTable, OpSchema } from './rows.js';
import { decodeRow } from './rows.js';
import { table as elementwise } from './elementwise.js';
import { table as tensor } from './tensor.js';
import { table as nn } from './nn.js';
import { table as control } from './control.js';
import { table as more } from './more.js';
import { normalizeDomain } from '../../domain.js';

export type { OpSchema, ParamSchema, AttrSchema } from './rows.js';

const tables: readonly SchemaTable[] = [elementwise, tensor, nn, control, more];

interface Entry {
  readonly domain: string;
  /** Rows ascending by `since`. */
  readonly rows: SchemaRow[];
  decoded: (OpSchema | undefined)[];
}

const byOp = new Map<string, Entry>();
/** Per domain, the newest opset version any op version names (since or deprecation). */
const newest = new Map<string, number>();
for (const t of tables) {
  for (const domain of Object.keys(t)) {
    for (const row of t[domain]) {
      const key = `${domain}\u0000${row[0]}`;
      let e = byOp.get(key);
      if (!e) byOp.set(key, (e = { domain, rows: [], decoded: [] }));
      e.rows.push(row);
      newest.set(domain, Math.max(newest.get(domain) ?? 0, row[1], row[10] ?? 0));
    }
  }
}
for (const e of byOp.values()) e.rows.sort((a, b) => a[1] - b[1]);

/** The standard domains lathe has schemas for ('' = ai.onnx). */
export const schemaDomains: readonly string[] = [...newest.keys()];

/** The newest opset version lathe knows for a standard domain, else undefined. */
export function newestOpset(domain: string): number | undefined {
  return newest.get(normalizeDomain(domain));
}

/** The versions (`since`) in which ONNX (re)defined `op`, ascending; undefined for an unknown op. */
export function opSchemaVersions(domain: string, op: string): readonly number[] | undefined {
  return byOp.get(`${normalizeDomain(domain)}\u0000${op}`)?.rows.map((r) => r[1]);
}

/**
 * The version of `op` in effect when a model imports `opsetVersion` of `domain`: the one with
 * the highest `since` ≤ `opsetVersion`. Undefined when the op is unknown or did not exist yet at
 * that opset (tell the two apart with `opSchemaVersions`).
 */
export function opSchema(domain: string, op: string, opsetVersion: number): OpSchema | undefined {
  const e = byOp.get(`${normalizeDomain(domain)}\u0000${op}`);
  if (!e) return undefined;
  let i = -1;
  for (let k = 0; k < e.rows.length; k++) if (e.rows[k][1] <= opsetVersion) i = k;
  if (i < 0) return undefined;
  return (e.decoded[i] ??= decodeRow(e.domain, e.rows[i]));
}

/** Every (domain, op) with a schema: for tests and listings. */
export function schemaOps(): { domain: string; op: string }[] {
  return [...byOp.values()].map((e) => ({ domain: e.domain, op: e.rows[0][0] }));
}

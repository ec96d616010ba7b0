/**
 * REPORT.md's field tables, for tests that check a written JSON report against its documentation:
 * section 0 is the optimization report, section 1 the quantization report (split at `## `).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './shared.js';

/** One section's field table: path → types (`number|null` style) and whether it is optional. */
export function documentedFields(section: number): Map<string, { types: string[]; optional: boolean }> {
  const md = readFileSync(join(projectRoot, 'REPORT.md'), 'utf8').split('\n## ')[section] ?? '';
  const fields = new Map<string, { types: string[]; optional: boolean }>();
  for (const m of md.matchAll(/^\| `([^`]+)` \| ([a-z\\|[\]]+) \| (.*) \|$/gm)) {
    fields.set(m[1], { types: m[2].split('\\|'), optional: m[3].startsWith('(optional') });
  }
  return fields;
}

/** Every path of a JSON value in REPORT.md's notation (`a.b`, `a[]`, `a.*` under `.stats`), with its JSON types. */
export function jsonPaths(v: unknown, prefix = '', out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  if (prefix !== '') out.set(prefix, (out.get(prefix) ?? new Set()).add(type));
  if (Array.isArray(v)) for (const e of v) jsonPaths(e, `${prefix}[]`, out);
  else if (type === 'object') {
    for (const [k, e] of Object.entries(v as object)) jsonPaths(e, prefix.endsWith('.stats') ? `${prefix}.*` : prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

#!/usr/bin/env node
/**
 * Generates the op schema tables of ir/ops/schema/ from ONNX's operator changelogs
 * (docs/Changelog.md and docs/Changelog-ml.md of onnx/onnx): the facts of every op version
 * (arity, attributes and their kinds, type constraints, since/deprecated versions), carried as
 * data. Ops are grouped by the evaluator family that implements them (read from dist/, so run
 * `npm run build` first); ops the evaluator lacks go to `more.ts`.
 *
 *   node scripts/gen-op-schema.mjs path/to/Changelog.md path/to/Changelog-ml.md
 */
import { readFileSync, writeFileSync } from 'node:fs';

const [changelog, changelogMl] = process.argv.slice(2);
if (!changelog || !changelogMl) {
  console.error('usage: gen-op-schema.mjs Changelog.md Changelog-ml.md');
  process.exit(1);
}

const families = ['elementwise', 'tensor', 'nn', 'control'];
const familyOf = new Map();
for (const f of families) {
  const { ops } = await import(new URL(`../dist/ir/ops/${f}.js`, import.meta.url).href);
  for (const d of ops) familyOf.set(`${d.domain === 'ai.onnx' ? '' : d.domain}\u0000${d.name}`, f);
}

const KIND = {
  float: 'f', int: 'i', string: 's', tensor: 't', graph: 'g', sparse_tensor: 'sp', type_proto: 'tp',
  'list of floats': 'fs', 'list of ints': 'is', 'list of strings': 'ss', 'list of tensors': 'ts',
  'list of graphs': 'gs', 'list of sparse_tensors': 'sps', 'list of type_protos': 'tps',
};

/** `tensor(float)` → `float`, `seq(tensor(int64))` → `seq(int64)`, spaces dropped. */
function shortType(t) {
  return t.replace(/\s+/g, '').replace(/tensor\(([a-z0-9]+)\)/g, '$1');
}

function unescape(s) {
  return s.replace(/&#8734;/g, '∞').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function parse(text) {
  const rows = [];
  const sections = text.split(/^### <a name="/m).slice(1);
  for (const sec of sections) {
    const head = /^([^"]+)"><\/a>\*\*([^*]+)\*\*(.*)$/m.exec(sec);
    if (!head) throw new Error(`bad heading: ${sec.slice(0, 80)}`);
    const full = head[2];
    const m = /^(.*)-(\d+)$/.exec(full);
    const qual = m[1];
    const since = Number(m[2]);
    // The domain prefixes the name (`ai.onnx.ml.Binarizer-1`); deprecated and experimental
    // versions have no "available since" line, their heading gives the version.
    const dot = qual.lastIndexOf('.');
    const domain = dot < 0 ? '' : qual.slice(0, dot);
    const name = qual.slice(dot + 1);
    const ver = /available since version (\d+) of/.exec(sec);
    if (ver && Number(ver[1]) !== since) throw new Error(`${full}: since ${ver[1]}`);
    const dep = /deprecated since version (\d+)/.exec(sec);
    const part = (title) => {
      const re = new RegExp(`^#### ${title}( \\((\\d+) - (\\d+|&#8734;)\\))?\\s*$`, 'm');
      const h = re.exec(sec);
      if (!h) return { range: undefined, items: [] };
      // Up to the next heading: an op without inputs has an empty "#### Inputs" part.
      const after = sec.slice(h.index + h[0].length);
      const next = after.search(/^#### /m);
      const rest = next < 0 ? after : after.slice(0, next);
      const dl = /<dl>([\s\S]*?)<\/dl>/.exec(rest);
      const items = [...(dl ? dl[1] : '').matchAll(/<dt>([\s\S]*?)<\/dt>/g)].map((x) => unescape(x[1]));
      return { range: h[1] ? [Number(h[2]), h[3] === '&#8734;' ? -1 : Number(h[3])] : undefined, items };
    };
    const attrs = part('Attributes').items.map((dt) => {
      const a = /^<tt>([^<]+)<\/tt> : ([a-z_ ]+?)( \((required|default is[\s\S]*)\))?$/.exec(dt.trim());
      if (!a) throw new Error(`${full}: attribute ${dt}`);
      const kind = KIND[a[2].trim()];
      if (!kind) throw new Error(`${full}: attribute kind ${a[2]}`);
      return `${a[1]}:${kind}${a[4] === 'required' ? '!' : ''}`;
    });
    const params = (title) => {
      const p = part(title);
      const list = p.items.map((dt) => {
        const x = /^<tt>([^<]+)<\/tt>( \(([^)]*)\))? : (.+)$/.exec(dt.trim());
        if (!x) throw new Error(`${full}: ${title} ${dt}`);
        const flags = (x[3] ?? '').split(',').map((s) => s.trim());
        const mark = flags.includes('heterogeneous') ? '+' : flags.includes('variadic') ? '*' : flags.includes('optional') ? '?' : '';
        return `${x[1]}:${shortType(x[4])}${mark}`;
      });
      let range = p.range;
      if (!range) {
        // The changelog prints a range only when min and max differ.
        range = [list.length, list.length];
      }
      return { list, range };
    };
    const ins = params('Inputs');
    const outs = params('Outputs');
    const types = part('Type Constraints').items.map((dt) => {
      const x = /^<tt>([^<]+)<\/tt> : (.*)$/.exec(dt.trim());
      if (!x) throw new Error(`${full}: type constraint ${dt}`);
      const list = x[2].split(/,\s*(?![^()]*\))/).map(shortType).filter((s) => s.length > 0);
      return `${x[1]}=${list.join(' ')}`;
    });
    rows.push({ domain, name, since, dep: dep ? Number(dep[1]) : 0, ins, outs, attrs, types });
  }
  return rows;
}

const all = [...parse(readFileSync(changelog, 'utf8')), ...parse(readFileSync(changelogMl, 'utf8'))];
// The changelog snapshot lags ONNX's own node tests (onnx 1.23.1, opset 28), which are valid
// models by definition: these facts are read off those tests (the types their inputs have, the
// attributes they set) so that no valid model is refused.
const AMEND = [
  { op: 'BitShift', since: 11, types: { T: ['int8', 'int16', 'int32', 'int64'] } },
  { op: 'Compress', since: 11, types: { T: ['bfloat16'] } },
  { op: 'Einsum', since: 12, types: { T: ['bfloat16'] } },
  { op: 'OneHot', since: 11, types: { T3: ['bfloat16'] } },
  { op: 'ReverseSequence', since: 10, types: { T: ['bfloat16'] } },
  { op: 'Unique', since: 11, types: { T: ['bfloat16'] } },
  { op: 'SpaceToDepth', since: 28, from: 13, attrs: ['mode:s'] },
];
for (const a of AMEND) {
  let r = all.find((x) => x.domain === '' && x.name === a.op && x.since === (a.from ?? a.since));
  if (!r) throw new Error(`amend: no ${a.op}-${a.from ?? a.since}`);
  if (a.from) {
    if (all.some((x) => x.domain === '' && x.name === a.op && x.since === a.since)) throw new Error(`amend: ${a.op}-${a.since} exists now`);
    r = { ...r, since: a.since, attrs: [...r.attrs], types: [...r.types] };
    all.push(r);
  }
  for (const at of a.attrs ?? []) r.attrs.push(at);
  r.attrs.sort();
  for (const [c, add] of Object.entries(a.types ?? {})) {
    const k = r.types.findIndex((t) => t.startsWith(c + '='));
    if (k < 0) throw new Error(`amend: ${a.op}-${a.since} has no constraint ${c}`);
    const have = r.types[k].slice(c.length + 1).split(' ');
    r.types[k] = `${c}=${[...have, ...add.filter((t) => !have.includes(t))].join(' ')}`;
  }
}

const byFamily = new Map();
for (const r of all) {
  const fam = familyOf.get(`${r.domain}\u0000${r.name}`) ?? 'more';
  if (!byFamily.has(fam)) byFamily.set(fam, new Map());
  const doms = byFamily.get(fam);
  if (!doms.has(r.domain)) doms.set(r.domain, []);
  doms.get(r.domain).push(r);
}

// Type lists repeated across rows (the "all numeric types" of one opset …) are written once in
// lists.ts and referenced as `@N`.
const listUse = new Map();
for (const r of all) for (const t of r.types) {
  const l = t.slice(t.indexOf('=') + 1);
  listUse.set(l, (listUse.get(l) ?? 0) + 1);
}
const shared = [...listUse].filter(([l, n]) => n >= 3 && l.length > 24).map(([l]) => l).sort();
const listIndex = new Map(shared.map((l, i) => [l, i]));
for (const r of all) {
  r.types = r.types.map((t) => {
    const k = t.indexOf('=');
    const i = listIndex.get(t.slice(k + 1));
    return i === undefined ? t : `${t.slice(0, k)}=@${i}`;
  });
}

const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const titles = {
  elementwise: 'ops of the elementwise evaluator family',
  tensor: 'ops of the tensor evaluator family',
  nn: 'ops of the nn evaluator family',
  control: 'ops of the control evaluator family (control flow, sequences, strings, random, ml, training)',
  more: 'standard ops the evaluator does not implement',
};
for (const [fam, doms] of byFamily) {
  const lines = [];
  lines.push(`/**`);
  lines.push(` * Op schemas: ${titles[fam]}. Facts from ONNX's operator changelogs, generated by`);
  lines.push(` * scripts/gen-op-schema.mjs; row format in ./rows.ts. Do not edit by hand.`);
  lines.push(` */`);
  lines.push(`import type { SchemaTable } from './rows.js';`);
  lines.push('');
  lines.push(`export const table: SchemaTable = {`);
  for (const [domain, rows] of [...doms].sort()) {
    rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.since - b.since));
    lines.push(`  ${q(domain)}: [`);
    for (const r of rows) {
      const cells = [q(r.name), r.since, r.ins.range[0], r.ins.range[1], q(r.ins.list.join(' ')), r.outs.range[0], r.outs.range[1], q(r.outs.list.join(' ')), q(r.attrs.join(' ')), q(r.types.join(';'))];
      if (r.dep) cells.push(r.dep);
      lines.push(`    [${cells.join(', ')}],`);
    }
    lines.push(`  ],`);
  }
  lines.push(`};`);
  writeFileSync(new URL(`../ir/ops/schema/${fam}.ts`, import.meta.url), lines.join('\n') + '\n');
  console.log(`${fam}: ${[...doms.values()].reduce((n, r) => n + r.length, 0)} op versions`);
}
writeFileSync(new URL('../ir/ops/schema/lists.ts', import.meta.url), [
  '/**',
  ' * Type lists shared by many op schema rows (referenced there as `@N`, N the index here). Facts',
  " * from ONNX's operator changelogs, generated by scripts/gen-op-schema.mjs. Do not edit by hand.",
  ' */',
  'export const lists: readonly string[] = [',
  ...shared.map((l) => `  ${q(l)},`),
  '];',
  '',
].join('\n'));
console.log(`total: ${all.length} op versions, ${new Set(all.map((r) => r.domain + ':' + r.name)).size} ops`);

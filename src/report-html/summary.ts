/**
 * The report's figures: the summary table (nodes, parameters, bytes, times), the passes, the rules
 * that fired, the warnings, and the op histogram before and after as a bar chart in inline SVG.
 */
import { formatBytes, formatCount, opLabel, type ModelSummary } from '../inspect.js';
import type { OptimizeReport } from '../report.js';
import { elide, esc } from './escape.js';

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);

function delta(before: number, after: number, fmt: (n: number) => string): string {
  const d = after - before;
  const p = before > 0 ? (d / before) * 100 : 0;
  // a change under 0.05% is not "0.0%": it is there, only small
  const pct = before > 0 ? ` (${Math.abs(p) < 0.05 ? `${d < 0 ? '−' : '+'}<0.1` : `${d > 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}`}%)` : '';
  return `<td class="num">${fmt(before)}</td><td class="num">${fmt(after)}</td><td class="num delta${d < 0 ? ' less' : d > 0 ? ' more' : ''}">${d === 0 ? '=' : `${d > 0 ? '+' : '−'}${fmt(Math.abs(d))}${pct}`}</td>`;
}

/** `#summary`: one row per figure, before / after / change; times; the pipeline. */
export function summaryHtml(r: OptimizeReport, before: ModelSummary, after: ModelSummary): string {
  const rows: string[] = [];
  rows.push(`<tr id="row-nodes"><th>nodes</th>${delta(r.nodes.before, r.nodes.after, formatCount)}</tr>`);
  rows.push(`<tr id="row-parameters"><th>parameters (elements)</th>${delta(before.parameters.elements, after.parameters.elements, formatCount)}</tr>`);
  rows.push(`<tr id="row-tensors"><th>parameter tensors</th>${delta(before.parameters.count, after.parameters.count, formatCount)}</tr>`);
  rows.push(`<tr id="row-parameter-bytes"><th>parameter bytes</th>${delta(before.parameters.bytes, after.parameters.bytes, formatBytes)}</tr>`);
  if (r.bytes) rows.push(`<tr id="row-file-bytes"><th>file bytes</th>${delta(r.bytes.before, r.bytes.after, formatBytes)}</tr>`);
  const t = r.timeMs;
  const times = [t.load !== undefined && `load ${ms(t.load)}`, t.verify !== undefined && `verify ${ms(t.verify)}`, `passes ${ms(t.passes)}`, t.save !== undefined && `save ${ms(t.save)}`]
    .filter((x) => x !== false)
    .join(' · ');
  const pipeline = r.level !== null ? `-O${r.level}${r.pipeline ? `: ${r.pipeline}` : ' (no passes)'}` : r.pipeline || '(none)';
  return (
    `<section id="summary"><h2>Summary</h2><table class="figures"><thead><tr><th></th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    `<p id="times"><b>time</b> ${esc(times)}</p><p id="pipeline"><b>pipeline</b> <code>${esc(pipeline)}</code></p></section>`
  );
}

/** `#passes`: each pass's runs, changed runs, time (with a bar) and counters. */
export function passesHtml(r: OptimizeReport): string {
  if (r.passes.length === 0) return '<section id="passes"><h2>Passes</h2><p>No pass ran.</p></section>';
  const max = Math.max(...r.passes.map((p) => p.ms), 1e-9);
  const rows = r.passes.map((p) => {
    const stats = Object.entries(p.stats).map(([k, n]) => `${k} ${n}`).join(', ');
    return `<tr><td><code>${esc(p.pass)}</code></td><td class="num">${p.runs}</td><td class="num">${p.changed}</td><td class="num">${esc(ms(p.ms))}</td><td><span class="bar" style="width:${((p.ms / max) * 100).toFixed(1)}%"></span></td><td class="stats">${esc(stats)}</td></tr>`;
  });
  return `<section id="passes"><h2>Time per pass</h2><table><thead><tr><th>pass</th><th>runs</th><th>changed</th><th>time</th><th class="barcol"></th><th>counters</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** `#rules`: the rules that fired, most first. */
export function rulesHtml(r: OptimizeReport): string {
  if (r.rules.length === 0) return '<section id="rules"><h2>Rules fired</h2><p>No rule fired.</p></section>';
  const rows = r.rules.map((x) => `<tr><td><code>${esc(x.pass)}/${esc(x.rule)}</code></td><td class="num">${x.count}</td></tr>`);
  return `<section id="rules"><h2>Rules fired</h2><table><thead><tr><th>rule</th><th>rewrites</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** Warnings listed before '… and N more' (the JSON report has them all). */
const MAX_WARNINGS = 200;

/** `#warnings`: the passes' warnings (first line of each, the rest in a tooltip). */
export function warningsHtml(r: OptimizeReport): string {
  if (r.warnings.length === 0) return '<section id="warnings"><h2>Warnings</h2><p>None.</p></section>';
  const items = r.warnings.slice(0, MAX_WARNINGS).map((w) => `<li title="${esc(elide(w, 2000))}">${esc(elide(w.split('\n')[0], 400))}</li>`);
  const more = r.warnings.length > MAX_WARNINGS ? `<p>… and ${r.warnings.length - MAX_WARNINGS} more</p>` : '';
  return `<section id="warnings"><h2>Warnings (${r.warnings.length})</h2><ul>${items.join('')}</ul>${more}</section>`;
}

function histogram(s: ModelSummary): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of [...s.ops, ...s.nestedOps]) m.set(opLabel(o), (m.get(opLabel(o)) ?? 0) + o.count);
  return m;
}

/** `#ops-chart`: every op of either model, two bars each (before, after), biggest first. */
export function opsChartHtml(before: ModelSummary, after: ModelSummary): string {
  const b = histogram(before);
  const a = histogram(after);
  const ops = [...new Set([...b.keys(), ...a.keys()])].sort(
    (x, y) => Math.max(b.get(y) ?? 0, a.get(y) ?? 0) - Math.max(b.get(x) ?? 0, a.get(x) ?? 0) || (x < y ? -1 : x > y ? 1 : 0),
  );
  if (ops.length === 0) return '<section id="ops"><h2>Ops</h2><p>No nodes.</p></section>';
  const max = Math.max(...ops.map((o) => Math.max(b.get(o) ?? 0, a.get(o) ?? 0)), 1);
  const LABEL = 190;
  const BAR = 420;
  const ROW = 24;
  const parts: string[] = [];
  ops.forEach((op, i) => {
    const nb = b.get(op) ?? 0;
    const na = a.get(op) ?? 0;
    const y = i * ROW + 4;
    const wb = (nb / max) * BAR;
    const wa = (na / max) * BAR;
    parts.push(
      `<g class="op-row${nb !== na ? ' changed' : ''}"><title>${esc(op)}: ${nb} → ${na}</title>` +
        `<text class="label" x="${LABEL - 6}" y="${y + 14}">${esc(elide(op, 26))}</text>` +
        `<rect class="before" x="${LABEL}" y="${y}" width="${wb.toFixed(1)}" height="9"/>` +
        `<rect class="after" x="${LABEL}" y="${y + 10}" width="${wa.toFixed(1)}" height="9"/>` +
        `<text class="count" x="${(LABEL + Math.max(wb, wa) + 6).toFixed(1)}" y="${y + 14}">${nb === na ? nb : `${nb} → ${na}`}</text></g>`,
    );
  });
  const height = ops.length * ROW + 8;
  return (
    `<section id="ops"><h2>Op histogram</h2><p class="legend"><span class="key before"></span> before <span class="key after"></span> after (ops whose count changed in bold)</p>` +
    `<svg id="ops-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${LABEL + BAR + 90} ${height}" width="${LABEL + BAR + 90}" height="${height}">${parts.join('')}</svg></section>`
  );
}

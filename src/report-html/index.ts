/**
 * The optimization report as one self-contained HTML document (issue 12): `lathe optimize …
 * --report out.html`, `reportHtml()`/`report()` in the library, and the web page's report view.
 * Pure: no `node:` import, no DOM, no network; runs in Node, a browser and a Web Worker.
 *
 * The graphs are laid out HERE, at generation time, with @dagrejs/dagre, one region at a time
 * (`regions.ts`: at most REGION_NODES nodes of the input per region, region k of both graphs showing
 * the same part of the model), and written as static inline SVG. So the document needs no layout
 * code and no data to interpret: it opens instantly from disk, a strict Content-Security-Policy
 * forbids every request, and its only script switches regions.
 *
 * Stable hooks for tests and the web page (ids unique, classes as listed):
 * - `#summary` table `.figures` with rows `#row-nodes`, `#row-parameters`, `#row-tensors`,
 *   `#row-parameter-bytes`, `#row-file-bytes` (only when file sizes are known): cells before,
 *   after, change; `#times`, `#pipeline`.
 * - `#passes` (time per pass), `#rules` (rules fired), `#warnings`.
 * - `#ops` section with `svg#ops-chart`: one `g.op-row` per op (`.changed` when its count
 *   changed), `rect.before` / `rect.after` bars.
 * - `#graphs`: `p#legend` with one `b.count.kept|removed|added|rewritten` each (node counts, Constant
 *   nodes included: before = kept + removed, after = kept + added + rewritten), `select#region` (one option per region), `input#fit` (fit to width), `input#find`
 *   (Enter: the next node whose tooltip holds the text, its region shown, the node `.found`) with
 *   `#find-status`, panes
 *   `#graph-before` and `#graph-after`, each holding one `div.region[data-region=K]` per region
 *   (all but the selected one `hidden`) with an `svg.dag[data-start="X Y"]` (where the view opens); in it `g.node.kept|removed|added|rewritten`
 *   (a rewritten node's box has a `rule: NAME` line), `g.stub.io` (graph inputs/outputs) and
 *   `g.stub.ext[data-goto=K]` (a value from region K; a click shows K), `text.shape` on edges.
 * - `script#report-data` (type application/json): the OptimizeReport as `--report FILE.json` writes it.
 */
import { inferTypes } from '../../ir/infer/infer.js';
import type { Model, Type, ValueId } from '../../ir/types.js';
import { formatCount, summarizeModel } from '../inspect.js';
import type { OptimizeResult } from '../optimize.js';
import { buildReport, reportToJson, type OptimizeReport } from '../report.js';
import { diffGraphs } from './diff.js';
import { esc } from './escape.js';
import { regionSvg } from './layout.js';
import { legendHtml, tally } from './legend.js';
import { splitRegions } from './regions.js';
import { STYLE, SCRIPT } from './page.js';
import { opsChartHtml, passesHtml, rulesHtml, summaryHtml, warningsHtml } from './summary.js';

/** Nodes of the input per region: dagre lays out ~150 nodes in well under a second. */
export const REGION_NODES = 150;

export interface ReportHtmlInput {
  readonly before: Model;
  readonly after: Model;
  readonly report: OptimizeReport;
  /** The document's title and heading (default 'lathe optimization report'). */
  readonly title?: string;
}

/** Best known type of each value of a model's main graph: inferred, else declared. */
function typesOf(model: Model): (v: ValueId) => Type | undefined {
  let inferred: Map<ValueId, Type> = new Map();
  try {
    inferred = inferTypes(model).types;
  } catch {
    // a model inference cannot follow still gets its report, with the declared types only
  }
  return (v) => inferred.get(v) ?? model.graph.values[v]?.type;
}

/** JSON inside a <script> element: no `<` at all, so no `</script>` or `<!--` can appear. */
function scriptJson(text: string): string {
  return text.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The report as one complete HTML document (see the file comment for its structure). */
export function reportHtml(input: ReportHtmlInput): string {
  const { before, after, report } = input;
  const title = input.title ?? 'lathe optimization report';
  const sb = summarizeModel(before);
  const sa = after === before ? sb : summarizeModel(after);
  const diff = diffGraphs(before.graph, after.graph);
  const regions = splitRegions(before.graph, after.graph, diff.match, REGION_NODES);
  const typesBefore = typesOf(before);
  const typesAfter = after === before ? typesBefore : typesOf(after);
  const panes = { before: [] as string[], after: [] as string[] };
  const options: string[] = [];
  for (let k = 0; k < regions.count; k++) {
    const b = regionSvg({ graph: before.graph, side: 'before', region: k, regionOf: regions.before, marks: diff.before, typeOf: typesBefore, start: (id) => !regions.constBefore.has(id) });
    const a = regionSvg({ graph: after.graph, side: 'after', region: k, regionOf: regions.after, marks: diff.after, typeOf: typesAfter, start: (id) => !regions.constAfter.has(id) });
    const hidden = k === 0 ? '' : ' hidden';
    panes.before.push(`<div class="region" data-region="${k}"${hidden}>${b.svg}</div>`);
    panes.after.push(`<div class="region" data-region="${k}"${hidden}>${a.svg}</div>`);
    options.push(`<option value="${k}">region ${k + 1} of ${regions.count}: ${b.nodes} → ${a.nodes} nodes</option>`);
  }
  const graphs =
    `<section id="graphs"><h2>Main graph</h2>${legendHtml(tally(before.graph, after.graph, diff))}` +
    `<div class="controls"><label>Region <select id="region">${options.join('')}</select></label> <label><input type="checkbox" id="fit"> fit to width</label> <label>Find <input type="search" id="find" placeholder="node name, op or value"></label> <span id="find-status"></span></div>` +
    `<div class="panes"><div class="pane"><h3>Before: ${formatCount(before.graph.order.length)} nodes in the main graph</h3><div id="graph-before" class="scroll">${panes.before.join('')}</div></div>` +
    `<div class="pane"><h3>After: ${formatCount(after.graph.order.length)} nodes in the main graph</h3><div id="graph-after" class="scroll">${panes.after.join('')}</div></div></div></section>`;
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="lathe">' +
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body>` +
    `<header><h1>${esc(title)}</h1></header><main>` +
    `<div class="top">${summaryHtml(report, sb, sa)}${rulesHtml(report)}</div>` +
    `${passesHtml(report)}${opsChartHtml(sb, sa)}${graphs}${warningsHtml(report)}` +
    `</main><script type="application/json" id="report-data">${scriptJson(reportToJson(report))}</script><script>${SCRIPT}</script></body></html>\n`
  );
}

/**
 * The HTML report of an optimization: `report(model, optimize(model))`, or of any two models
 * (`report(a, b)`: their node counts and histograms, no pass figures).
 */
export function report(before: Model, optimized: Model | Pick<OptimizeResult, 'model' | 'report'>, options: { readonly title?: string } = {}): string {
  if ('graph' in optimized) {
    const r = buildReport({ before, after: optimized, level: null, pipeline: '', records: [], stats: new Map(), warnings: [] });
    return reportHtml({ before, after: optimized, report: r, ...options });
  }
  return reportHtml({ before, after: optimized.model, report: optimized.report, ...options });
}

/**
 * The seam between the optimizer and what the page shows as its report. `reportView` runs in the
 * worker (which holds the models before and after) and returns something the page can show;
 * `showReport` puts it in the page.
 *
 * The view is the HTML report (src/report-html: summary, op chart, the graphs before and after),
 * the same document `lathe optimize --report out.html` writes; `showReport` shows it in a
 * sandboxed frame, with a link opening it in a new tab. The text view stays for callers that
 * want the printed report (`kind: 'text'`).
 */
import type { Model } from '../ir/types.js';
import { reportHtml } from '../src/report-html/index.js';
import { formatReport, type OptimizeReport } from '../src/report.js';

/** What the page shows: report text, or one self-contained HTML document. */
export type ReportView = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'html'; readonly html: string };

export interface ReportInput {
  readonly before: Model;
  readonly after: Model;
  readonly report: OptimizeReport;
  readonly title?: string;
}

/** The view of a finished run (in the worker). */
export function reportView(input: ReportInput): ReportView {
  return { kind: 'html', html: reportHtml(input) };
}

/** The printed report as text (what `lathe optimize` prints). */
export function reportTextView(input: ReportInput): ReportView {
  return { kind: 'text', text: `${input.title !== undefined ? `${input.title}\n` : ''}${formatReport(input.report)}` };
}

/** Shows `view` inside `container` (in the page), replacing what was there. */
export function showReport(container: HTMLElement, view: ReportView): void {
  container.replaceChildren();
  if (view.kind === 'text') {
    const pre = document.createElement('pre');
    pre.className = 'report-text';
    pre.textContent = view.text;
    container.append(pre);
    return;
  }
  const frame = document.createElement('iframe');
  frame.className = 'report-frame';
  frame.title = 'optimization report';
  frame.sandbox.add('allow-scripts'); // its own scripts run; it cannot reach the page
  frame.srcdoc = view.html;
  const open = document.createElement('a');
  open.href = URL.createObjectURL(new Blob([view.html], { type: 'text/html' }));
  open.target = '_blank';
  open.rel = 'noopener';
  open.textContent = 'open the report in a new tab';
  container.append(open, frame);
}

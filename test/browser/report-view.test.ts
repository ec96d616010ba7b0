/**
 * How the HTML report's graph panes open (src/report-html/page.ts), in Chromium on a 1366x768
 * laptop viewport: on the node where the region's computation starts (not on the nodes that only
 * read weights), visible in both panes, from the top unless that node is further down;
 * fit-to-width on only when the drawing is at most 1.5 panes wide, and never enlarging.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { report } from '../../src/report-html/index.js';
import { launchChromium } from '../support/browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const model = (body: string[], inits = '') =>
  parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[B,1] x) => (y) ${inits ? `<${inits}> ` : ''}{\n${body.join('\n')}\n}`);

/** `w` Relu branches of x summed: a drawing about 64 px a branch wide. */
const fan = (w: number) => model([...Array.from({ length: w }, (_, i) => `  b${i} = Relu (x)`), `  y = Sum (${Array.from({ length: w }, (_, i) => `b${i}`).join(', ')})`]);

interface View {
  readonly fit: boolean;
  readonly panes: { scrollTop: number; scrollLeft: number; clientWidth: number; svgWidth: number; attrWidth: number; startVisible: boolean }[];
}

async function open(html: string): Promise<{ page: Page; errors: string[]; view: View }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.setContent(html);
  const view = await page.evaluate(() => ({
    fit: (document.getElementById('fit') as HTMLInputElement).checked,
    panes: ['graph-before', 'graph-after'].map((id) => {
      const pane = document.getElementById(id)!;
      const svg = pane.querySelector('.region:not([hidden]) svg') as SVGSVGElement;
      const [x, y] = svg.getAttribute('data-start')!.split(' ').map(Number);
      const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      const s = svg.getBoundingClientRect();
      const p = pane.getBoundingClientRect();
      const sx = s.left + x * k;
      const sy = s.top + y * k;
      return {
        scrollTop: pane.scrollTop,
        scrollLeft: pane.scrollLeft,
        clientWidth: pane.clientWidth,
        svgWidth: s.width,
        attrWidth: Number(svg.getAttribute('width')),
        startVisible: sx > p.left && p.left + pane.clientWidth > sx && sy > p.top && p.top + pane.clientHeight > sy,
      };
    }),
  }));
  return { page, errors, view };
}

describe('the report opens its graph panes', () => {
  it('a drawing far wider than a pane: not shrunk, scrolled across to the start, from the top', async () => {
    const m = fan(60);
    const { page, errors, view } = await open(report(m, m));
    expect(view.fit).toBe(false);
    for (const p of view.panes) {
      expect(p.svgWidth).toBeGreaterThan(2 * p.clientWidth);
      expect(p.startVisible).toBe(true);
      expect(p.scrollTop).toBe(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a start below a tall chain of weight-only nodes: scrolled down to it, not to the chain', async () => {
    const chain = Array.from({ length: 30 }, (_, i) => `  q${i + 1} = Neg (q${i})`);
    const m = model(['  q0 = Identity (c)', ...chain, '  y = Add (x, q30)'], 'float[1] c = {1}');
    const { page, errors, view } = await open(report(m, m));
    for (const p of view.panes) {
      expect(p.startVisible).toBe(true);
      expect(p.scrollTop).toBeGreaterThan(1000);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a drawing a little wider than a pane starts fitted; a small one is never enlarged', async () => {
    const wide = fan(12);
    const a = await open(report(wide, wide));
    expect(a.view.fit).toBe(true);
    for (const p of a.view.panes) {
      expect(p.attrWidth).toBeGreaterThan(p.clientWidth);
      expect(p.svgWidth).toBeLessThanOrEqual(p.clientWidth);
    }
    expect(a.errors).toEqual([]);
    await a.page.close();
    const small = fan(2);
    const b = await open(report(small, small));
    expect(b.view.fit).toBe(false);
    await b.page.check('#fit');
    const w = await b.page.evaluate(() => document.querySelector('#graph-before .region:not([hidden]) svg')!.getBoundingClientRect().width);
    expect(w).toBe(b.view.panes[0].attrWidth);
    await b.page.close();
  });
});

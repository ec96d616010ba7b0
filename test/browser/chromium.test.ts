/** Where the browser tests find Chromium, and the message when there is none (they fail, never skip). */
import { afterEach, expect, test } from 'vitest';
import { chromiumPath } from '../support/browser.js';

const saved = { LATHE_CHROMIUM: process.env.LATHE_CHROMIUM, PATH: process.env.PATH };

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('LATHE_CHROMIUM names the binary; a missing one is said', () => {
  process.env.LATHE_CHROMIUM = process.execPath; // any existing file
  expect(chromiumPath()).toBe(process.execPath);
  process.env.LATHE_CHROMIUM = '/nonexistent/chromium';
  expect(() => chromiumPath()).toThrow('LATHE_CHROMIUM=/nonexistent/chromium: no such file');
});

test('without chromium on PATH the error says how to install it', () => {
  delete process.env.LATHE_CHROMIUM;
  process.env.PATH = '/nonexistent';
  expect(() => chromiumPath()).toThrow(/apt-get install -y chromium.*LATHE_CHROMIUM/);
});

/**
 * `lathe web`'s server: the page's files and nothing else. Requests are sent raw (node:http keeps
 * the path as written; fetch would normalize `..` away before it left).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { runCli, type Platform } from '../src/cli.js';
import { scratch } from '../test/support/scratch.js';
import { createNodePlatform } from './platform.js';
import { defaultWebRoot, resolveStatic, startWebServer, type WebServer } from './web-server.js';

const dirs = scratch('lathe-web-server-');
let server: WebServer;
let root: string;

function get(path: string, method = 'GET'): Promise<{ status: number; type?: string; body: string; csp?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body, csp: res.headers['content-security-policy'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const base = dirs.freshDir();
  root = join(base, 'web');
  mkdirSync(join(root, 'sub'), { recursive: true });
  for (const f of ['index.html', 'style.css', 'main.js', 'worker.js']) writeFileSync(join(root, f), `/* ${f} */`);
  writeFileSync(join(root, 'sub', 'inner.js'), 'inner');
  writeFileSync(join(base, 'secret.txt'), 'SECRET');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(base, join(root, 'dir-out'));
  server = await startWebServer({ root, port: 0 });
});

afterAll(() => server?.close());

test('serves the page files with their types, on 127.0.0.1 only', async () => {
  expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  const index = await get('/');
  expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '/* index.html */' });
  expect(index.csp).toContain("connect-src 'none'");
  expect(await get('/main.js?v=1')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: '/* main.js */' });
  expect(await get('/sub/inner.js')).toMatchObject({ status: 200, body: 'inner' });
  expect(await get('/style.css', 'HEAD')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8', body: '' });
});

test('nothing outside the folder, no folders, no other methods', async () => {
  for (const path of [
    '/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/%2E%2E%2Fsecret.txt', '/sub/../../secret.txt',
    '/..%5csecret.txt', '/link-out.txt', '/dir-out/secret.txt', '/sub', '/sub/', '//etc/passwd', '/index.html%00.js',
    '/%ZZ', '/./index.html', 'index.html', '/C:/windows', '/nope.js',
  ]) {
    const r = await get(path);
    expect([400, 404], path).toContain(r.status); // 400: node's parser refused it first
    expect(r.body, path).not.toContain('SECRET');
  }
  expect((await get('/', 'POST')).status).toBe(405);
  expect((await get('/index.html', 'PUT')).status).toBe(405);
});

test('dot segments are refused even where they would stay inside; the default root is the built page', () => {
  expect(resolveStatic(root, '/sub/inner.js')).toBe(join(root, 'sub', 'inner.js'));
  expect(resolveStatic(root, '/sub/../index.html')).toBeUndefined();
  expect(resolveStatic(root, '/sub/%2e/inner.js')).toBeUndefined();
  // run from the sources (as here): web/ holds no bundle, so dist/web
  expect(defaultWebRoot()).toMatch(/[\\/]dist[\\/]web[\\/]$/);
});

test('an unbuilt folder and a busy port are one-line errors', async () => {
  await expect(startWebServer({ root: dirs.freshDir(), port: 0 })).rejects.toThrow(/the page is not built .*run 'npm run web'/);
  const err = await startWebServer({ root, port: server.port }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LatheError);
  expect((err as LatheError).message).toBe(`port ${server.port} is in use`);
});

test('lathe web [--port N]: prints where it serves; a bad port is a usage error', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const started: WebServer[] = [];
  const platform: Platform = {
    ...createNodePlatform(),
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    serveWeb: async (port) => {
      const s = await startWebServer({ root, port });
      started.push(s);
      return s.url;
    },
  };
  try {
    expect(await runCli(['web', '--port', '0'], platform)).toBe(0);
    expect(out.join('')).toBe(`lathe: serving the page at ${started[0]!.url} (only this machine can reach it; Ctrl-C stops)\n`);
    expect(await runCli(['web', '--port', 'http'], platform)).toBe(1);
    expect(await runCli(['web', '--port', '70000'], platform)).toBe(1);
    expect(err.join('')).toContain("--port must be an integer in [0, 65535] (got 'http')");
    expect(await runCli(['web', 'extra'], platform)).toBe(1);
  } finally {
    for (const s of started) await s.close();
  }
});

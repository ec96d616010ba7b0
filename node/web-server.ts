/**
 * `lathe web`: serves the page (`dist/web`, built by `npm run web`) on localhost. Static files
 * only, GET and HEAD only, from one folder: a request path is decoded, must be made of plain
 * segments (no `..`, `.`, backslash, NUL or empty segment) and name a regular file inside the
 * folder once links are resolved. Bound to 127.0.0.1: the page is for this machine, and the model
 * never leaves the browser (every response forbids `connect-src`, so no script can send it).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatheError } from '../ir/error.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** What a built page folder holds (web/ in the sources has only the first two). */
const PAGE_FILES = ['index.html', 'style.css', 'main.js', 'worker.js'];

function isBuilt(dir: string): boolean {
  return PAGE_FILES.every((f) => existsSync(join(dir, f)));
}

/** The built page: next to the compiled CLI (`dist/node/` → `dist/web/`), or dist/web when run from the sources. */
export function defaultWebRoot(): string {
  const beside = fileURLToPath(new URL('../web/', import.meta.url));
  return isBuilt(beside) ? beside : fileURLToPath(new URL('../dist/web/', import.meta.url));
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The file `urlPath` names under `root` (a real path), or undefined when it names nothing servable.
 * `/` is `index.html`.
 */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return undefined; // malformed %-escape
  }
  if (!path.startsWith('/')) return undefined;
  if (path === '/') path = '/index.html';
  const parts = path.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0') || p.includes(':'))) return undefined;
  const file = join(root, ...parts);
  try {
    const real = realpathSync(file);
    if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts serving `root` on 127.0.0.1:`port` (0: any free port). A root without `index.html` is a
 * LatheError saying how to build it; a port in use is a LatheError naming it.
 */
export async function startWebServer(options: { root?: string; port?: number } = {}): Promise<WebServer> {
  const given = options.root ?? defaultWebRoot();
  if (!isBuilt(given)) throw new LatheError(`the page is not built (${PAGE_FILES.join(', ')} expected in ${given}): run 'npm run web'`);
  const root = realpathSync(given);
  const server: Server = createServer((req, res) => {
    const headers = {
      // The page loads its own files only and can send nothing anywhere (connect-src: no
      // fetch/XHR/WebSocket/beacon). Inline scripts and styles are allowed for the report, which is
      // one self-contained HTML document shown in a srcdoc frame (it inherits this policy).
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'none'; frame-src 'self' blob: data:",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const file = resolveStatic(root, req.url ?? '/');
    if (file === undefined) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new LatheError(e.code === 'EADDRINUSE' ? `port ${port} is in use` : `cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * `lathe web [--port N]`: serves the page (`npm run web` builds it into dist/web) on 127.0.0.1
 * through the platform (node/web-server.ts). Returns once the server listens; the open server
 * keeps the process running until it is interrupted.
 */
import { LatheError } from '../ir/error.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import type { Platform } from './platform.js';

/** The port `lathe web` listens on without `--port`. */
export const DEFAULT_WEB_PORT = 8080;

export async function runWeb(platform: Platform, args: ParsedArgs): Promise<number> {
  const text = args.values.get('port');
  const port = text === undefined ? DEFAULT_WEB_PORT : Number(text);
  if (text !== undefined && (!/^\d+$/.test(text) || port > 65535)) throw new UsageError(`--port must be an integer in [0, 65535] (got '${text}')`, args.command);
  if (!platform.serveWeb) throw new LatheError('lathe web needs a platform that can serve files (Node)');
  const url = await platform.serveWeb(port);
  platform.stdout(`lathe: serving the page at ${url} (only this machine can reach it; Ctrl-C stops)\n`);
  return 0;
}

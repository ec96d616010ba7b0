/** `lathe passes`: every registered pass with its summary and options (defaults shown). */
import type { PassRegistry } from './schedule.js';

function formatDefault(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v);
}

/** One line per pass, then its options indented, names sorted. */
export function formatPassList(registry: PassRegistry): string {
  const names = Object.keys(registry).sort();
  if (names.length === 0) return 'no passes registered\n';
  const width = Math.max(...names.map((n) => n.length));
  let out = '';
  for (const name of names) {
    const factory = registry[name]!;
    out += `${name.padEnd(width)}  ${factory.summary}\n`;
    const defaults = (factory.defaults ?? factory().options ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(defaults)) out += `${' '.repeat(width + 4)}${k}: ${typeof v} (default ${formatDefault(v)})\n`;
  }
  return `${out}\nPipelines: --passes 'a,b{option=value},fixpoint{max=8}(c,d),repeat{n=2}(e),seq(f)'\n`;
}

/**
 * RE2 → JavaScript RegExp translation for RegexFullMatch.
 *
 * ONNX specifies RE2 syntax. JS RegExp differs; the translation keeps RE2's meaning for:
 * - `.` matches any code point but `\n` (JS also excludes `\r`, U+2028/9) → `[^\n]` (`[^]` under (?s));
 * - `\s` is ASCII `[\t\n\f\r ]` in RE2 (JS adds Unicode spaces and `\v`) → spelled out;
 * - `\A`, `\z` (text start/end), `(?P<name>…)`, `\Q…\E`, `\x{HHHH}`, `\pL`, `\p{Greek}` (scripts),
 *   POSIX classes `[[:alpha:]]`, leading flag groups `(?i)`, `(?s)`, `(?m)`;
 * - escaped punctuation (`\-`, `\@` …) anywhere, lone `{` / `}` / `]` as literals.
 * Rejected with a LatheError (RE2 refuses them, or JS cannot express them): lookaround,
 * backreferences, `\C`, `(?U)`, flag groups other than at the start.
 * Known residual differences: under `(?i)` JS case folding is Unicode simple folding (RE2 too,
 * but tables may differ by Unicode version); `\b`/`\w`/`\d` are ASCII in both.
 */
import { LatheError } from '../../error.js';

const POSIX: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`\\{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
});

const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const GENERAL_CATEGORY = /^(?:[LMNPSZC][a-z]?|Any)$/;

function fail(pattern: string, why: string): never {
  throw new LatheError(`RegexFullMatch: pattern ${JSON.stringify(pattern)}: ${why}`);
}

/** One escape sequence starting at `p[i] === '\\'`; returns [JS text, next index]. */
function escape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i + 1];
  if (c === undefined) fail(p, 'trailing backslash');
  switch (c) {
    case 'A': if (inClass) break; return ['(?<![^])', i + 2];
    case 'z': if (inClass) break; return ['(?![^])', i + 2];
    case 'C': fail(p, '\\C is not supported');
    case 's': return [inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]', i + 2];
    case 'S': if (inClass) fail(p, '\\S inside a class is not supported'); return ['[^\\t\\n\\f\\r ]', i + 2];
    case 'Q': {
      const end = p.indexOf('\\E', i + 2);
      const lit = p.slice(i + 2, end < 0 ? p.length : end);
      const out = Array.from(lit, (ch) => (SYNTAX.has(ch) || ch === '-' ? `\\${ch}` : ch)).join('');
      return [out, end < 0 ? p.length : end + 2];
    }
    case 'x': {
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        if (end < 0) fail(p, 'unterminated \\x{');
        return [`\\u{${p.slice(i + 3, end)}}`, end + 1];
      }
      return [p.slice(i, i + 4), i + 4];
    }
    case 'p': case 'P': {
      let name: string;
      let next: number;
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        if (end < 0) fail(p, 'unterminated \\p{');
        name = p.slice(i + 3, end);
        next = end + 1;
      } else {
        name = p[i + 2] ?? '';
        next = i + 3;
      }
      let neg = c === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      const prop = name === 'Any' ? 'Any' : GENERAL_CATEGORY.test(name) ? name : `Script=${name}`;
      return [`\\${neg ? 'P' : 'p'}{${prop}}`, next];
    }
    default:
      break;
  }
  if (/[1-9]/.test(c)) fail(p, 'backreferences are not supported');
  if (/[a-zA-Z0-9]/.test(c)) return [p.slice(i, i + 2), i + 2];
  // Escaped punctuation: keep the escape only where the u flag allows it.
  if (SYNTAX.has(c) || (inClass && c === '-')) return [`\\${c}`, i + 2];
  return [c, i + 2];
}

/** Translates an RE2 pattern to a JS RegExp that matches the WHOLE string. */
export function re2ToRegExp(pattern: string): RegExp {
  let flags = 'u';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead) {
    if (lead[1].includes('U')) fail(pattern, '(?U) is not supported');
    for (const f of new Set(lead[1])) flags += f;
    i = lead[0].length;
  }
  const dotAll = flags.includes('s');
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      const [text, next] = escape(pattern, i, inClass);
      out += text;
      i = next;
      continue;
    }
    if (inClass) {
      if (ch === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        const name = end < 0 ? '' : pattern.slice(i + 2, end);
        const neg = name.startsWith('^');
        const body = POSIX[neg ? name.slice(1) : name];
        if (body === undefined || neg) fail(pattern, `unsupported class [:${name}:]`);
        out += body;
        i = end + 2;
        continue;
      }
      if (ch === ']') inClass = false;
      out += ch === '[' ? '\\[' : ch;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += '[';
      i++;
      if (pattern[i] === '^') { out += '^'; i++; }
      // A leading ']' is a literal in RE2.
      if (pattern[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) { out += '(?<'; i += 4; continue; }
      if (rest.startsWith(':')) { out += '(?:'; i += 3; continue; }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) { out += '(?<'; i += 3; continue; }
      fail(pattern, `group syntax (?${rest.slice(0, 2)} is not supported`);
    }
    if (ch === '.') { out += dotAll ? '[^]' : '[^\\n]'; i++; continue; }
    if (ch === '{') {
      const q = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
      if (q) { out += q[0]; i += q[0].length; continue; }
      out += '\\{'; i++; continue;
    }
    if (ch === '}' || ch === ']') { out += `\\${ch}`; i++; continue; }
    out += ch;
    i++;
  }
  if (inClass) fail(pattern, 'unterminated character class');
  try {
    // Anchors that ignore the m flag: the whole string must match.
    return new RegExp(`(?<![^])(?:${out})(?![^])`, flags);
  } catch (e) {
    return fail(pattern, (e as Error).message);
  }
}

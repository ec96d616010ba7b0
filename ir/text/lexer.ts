/**
 * Tokens of the ONNX textual syntax (onnx docs/Syntax.md) plus lathe's few extra lexemes.
 *
 * Lexing follows onnx's parser: `#` starts a comment to the end of the line; identifiers are
 * `[A-Za-z_][A-Za-z0-9_]*`; strings are `"…"` where a backslash makes the next character literal
 * (so only `\"` and `\\` need escaping, and a string may span lines); numbers are
 * `-?digits[.digits][(e|E)[+-]digits]` or `-?(nan|inf|infinity)` in any case. `=>` is one token.
 * lathe adds one lexeme: `0x` followed by hex digits (`hex`), used for raw bytes and for exact bit
 * patterns of floats.
 */
import { LatheError } from '../error.js';

export type TokenKind = 'id' | 'str' | 'int' | 'float' | 'hex' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier / number / hex-digit text, decoded string contents, or the punctuation. */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

const PUNCT = new Set(['<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '@', '?']);

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 95;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const SPECIAL_FLOATS = new Set(['nan', 'inf', 'infinity']);

/** True when `word` lexes as a float literal (`nan`, `Inf`, `infinity` …), so a name spelled so must be quoted. */
export function isSpecialFloatWord(word: string): boolean {
  return SPECIAL_FLOATS.has(word.toLowerCase());
}

/** Splits `text` into tokens (ending with one `eof`); throws `LatheError("line L col C: …")`. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const fail = (at: number, atLine: number, atLineStart: number, what: string): never => {
    throw new LatheError(`line ${atLine} col ${at - atLineStart + 1}: ${what}`);
  };
  while (true) {
    // whitespace and comments
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        i++;
        line++;
        lineStart = i;
      } else if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
        i++;
      } else if (c === 35 /* # */) {
        while (i < n && text.charCodeAt(i) !== 10) i++;
      } else break;
    }
    const col = i - lineStart + 1;
    if (i >= n) {
      out.push({ kind: 'eof', text: '', line, col });
      return out;
    }
    const start = i;
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const startLine = line;
      const startLineStart = lineStart;
      i++;
      let value = '';
      let chunk = i;
      while (true) {
        if (i >= n) fail(start, startLine, startLineStart, 'unterminated string');
        const d = text.charCodeAt(i);
        if (d === 34) break;
        if (d === 92 /* \ */) {
          value += text.slice(chunk, i);
          i++;
          if (i >= n) fail(start, startLine, startLineStart, 'unterminated string');
          if (text.charCodeAt(i) === 10) {
            line++;
            lineStart = i + 1;
          }
          chunk = i;
          i++;
          continue;
        }
        if (d === 10) {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      value += text.slice(chunk, i);
      i++;
      out.push({ kind: 'str', text: value, line: startLine, col });
      continue;
    }
    if (c === 61 /* = */ && text.charCodeAt(i + 1) === 62 /* > */) {
      i += 2;
      out.push({ kind: 'punct', text: '=>', line, col });
      continue;
    }
    if (c === 48 /* 0 */ && (text.charCodeAt(i + 1) | 32) === 120 /* x */) {
      i += 2;
      while (i < n && isHex(text.charCodeAt(i))) i++;
      if (i < n && isIdChar(text.charCodeAt(i))) fail(i, line, lineStart, `bad hex literal`);
      out.push({ kind: 'hex', text: text.slice(start + 2, i).toLowerCase(), line, col });
      continue;
    }
    if (isDigit(c) || (c === 45 /* - */ && i + 1 < n && (isDigit(text.charCodeAt(i + 1)) || isAlpha(text.charCodeAt(i + 1))))) {
      if (c === 45) i++;
      if (isAlpha(text.charCodeAt(i))) {
        const w0 = i;
        while (i < n && isIdChar(text.charCodeAt(i))) i++;
        if (!isSpecialFloatWord(text.slice(w0, i))) fail(start, line, lineStart, `'-' must be followed by a number`);
        out.push({ kind: 'float', text: text.slice(start, i), line, col });
        continue;
      }
      let float = false;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46 /* . */ && isDigit(text.charCodeAt(i + 1))) {
        float = true;
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      } else if (text.charCodeAt(i) === 46 && !isIdChar(text.charCodeAt(i + 1))) {
        float = true; // `1.` as onnx accepts it
        i++;
      }
      if ((text.charCodeAt(i) | 32) === 101 /* e */) {
        const save = i;
        i++;
        if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
        if (isDigit(text.charCodeAt(i))) {
          float = true;
          while (i < n && isDigit(text.charCodeAt(i))) i++;
        } else i = save;
      }
      if (i < n && isIdChar(text.charCodeAt(i))) fail(start, line, lineStart, `bad number '${text.slice(start, i + 1)}'`);
      out.push({ kind: float ? 'float' : 'int', text: text.slice(start, i), line, col });
      continue;
    }
    if (isAlpha(c) || c === 95) {
      while (i < n && isIdChar(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      out.push({ kind: isSpecialFloatWord(word) ? 'float' : 'id', text: word, line, col });
      continue;
    }
    const ch = text[i];
    if (PUNCT.has(ch)) {
      i++;
      out.push({ kind: 'punct', text: ch, line, col });
      continue;
    }
    fail(i, line, lineStart, `unexpected character ${JSON.stringify(String.fromCodePoint(text.codePointAt(i)!))}`);
  }
}

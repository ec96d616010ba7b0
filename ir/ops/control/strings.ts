/**
 * String ops: StringConcat, StringSplit, StringNormalizer, RegexFullMatch, TfIdfVectorizer.
 * Strings are JS strings (UTF-16); all operations here are code-point safe.
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { OpDef, OpTable, RtValue, TensorValue } from '../types.js';
import { asTensor, broadcastIndex, broadcastShape } from '../util.js';
import { checkAttrSized } from './common.js';
import { re2ToRegExp } from './regex.js';

function asStrings(v: RtValue | null | undefined, what: string): TensorValue & { data: string[] } {
  const t = asTensor(v, what);
  if (t.dtype !== D.STRING || !Array.isArray(t.data)) throw new LatheError(`${what}: expected a string tensor`);
  return t as TensorValue & { data: string[] };
}

const stringConcat: OpDef = {
  domain: '',
  name: 'StringConcat',
  since: [20],
  kernel(inputs) {
    const a = asStrings(inputs[0], 'StringConcat: X');
    const b = asStrings(inputs[1], 'StringConcat: Y');
    const dims = broadcastShape([a.dims, b.dims], 'StringConcat');
    const ia = broadcastIndex(a.dims, dims);
    const ib = broadcastIndex(b.dims, dims);
    const out = new Array<string>(ia.length);
    for (let i = 0; i < out.length; i++) out[i] = a.data[ia[i]] + b.data[ib[i]];
    return [{ kind: 'tensor', dtype: D.STRING, dims, data: out }];
  },
};

/** Python's str.isspace() set (what the ONNX reference splits on without a delimiter). */
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** Python `s.split()` / `s.split(None, maxsplit)`: runs of whitespace, ends trimmed. */
function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && PY_SPACE.test(s[i])) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      // The remainder keeps its trailing whitespace (Python strips only the right end when maxsplit is unlimited).
      out.push(s.slice(i));
      return out;
    }
    let j = i;
    while (j < n && !PY_SPACE.test(s[j])) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Python `s.split(sep, maxsplit)`: every delimiter counts, empty pieces kept. */
function splitOn(s: string, sep: string, maxsplit: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (maxsplit < 0 || out.length < maxsplit) {
    const at = s.indexOf(sep, start);
    if (at < 0) break;
    out.push(s.slice(start, at));
    start = at + sep.length;
  }
  out.push(s.slice(start));
  return out;
}

const stringSplit: OpDef = {
  domain: '',
  name: 'StringSplit',
  since: [20],
  kernel(inputs, ctx) {
    const x = asStrings(inputs[0], 'StringSplit: X');
    const delim = ctx.attrs.string('delimiter', '');
    const maxsplit = ctx.attrs.has('maxsplit') ? ctx.attrs.int('maxsplit') : -1;
    const parts = x.data.map((s) => (delim === '' ? splitWhitespace(s, maxsplit) : splitOn(s, delim, maxsplit)));
    const width = parts.reduce((m, p) => Math.max(m, p.length), 0);
    const y = new Array<string>(parts.length * width).fill('');
    const z = new BigInt64Array(parts.length);
    parts.forEach((p, i) => {
      z[i] = BigInt(p.length);
      for (let j = 0; j < p.length; j++) y[i * width + j] = p[j];
    });
    return [
      { kind: 'tensor', dtype: D.STRING, dims: [...x.dims, width], data: y },
      { kind: 'tensor', dtype: D.INT64, dims: x.dims.slice(), data: z },
    ];
  },
};

const stringNormalizer: OpDef = {
  domain: '',
  name: 'StringNormalizer',
  since: [10],
  kernel(inputs, ctx) {
    const x = asStrings(inputs[0], 'StringNormalizer: X');
    const twoD = x.dims.length === 2;
    if (!(x.dims.length === 1 || (twoD && x.dims[0] === 1))) {
      throw new LatheError(`StringNormalizer: input shape [${x.dims}] must be [C] or [1, C]`);
    }
    const action = ctx.attrs.string('case_change_action', 'NONE');
    if (action !== 'NONE' && action !== 'LOWER' && action !== 'UPPER') {
      throw new LatheError(`StringNormalizer: case_change_action '${action}' is not LOWER, UPPER or NONE`);
    }
    const sensitive = ctx.attrs.int('is_case_sensitive', 0) !== 0;
    const fold = (s: string): string => (sensitive ? s : s.toLowerCase());
    const stop = new Set(ctx.attrs.strings('stopwords', []).map(fold));
    let kept = x.data.filter((s) => !stop.has(fold(s)));
    if (action === 'LOWER') kept = kept.map((s) => s.toLowerCase());
    else if (action === 'UPPER') kept = kept.map((s) => s.toUpperCase());
    if (kept.length === 0) kept = [''];
    const dims = twoD ? [1, kept.length] : [kept.length];
    return [{ kind: 'tensor', dtype: D.STRING, dims, data: kept }];
  },
};

const regexFullMatch: OpDef = {
  domain: '',
  name: 'RegexFullMatch',
  since: [20],
  kernel(inputs, ctx) {
    const x = asStrings(inputs[0], 'RegexFullMatch: X');
    const re = re2ToRegExp(ctx.attrs.string('pattern'));
    const out = new Uint8Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = re.test(x.data[i]) ? 1 : 0;
    return [{ kind: 'tensor', dtype: D.BOOL, dims: x.dims.slice(), data: out }];
  },
};

/** Map key of an n-gram: length-prefixed so distinct n-grams never collide. */
function gramKey(items: readonly (string | number | bigint)[]): string {
  return items.map((s) => { const t = String(s); return `${t.length}:${t}`; }).join('');
}

const tfIdfVectorizer: OpDef = {
  domain: '',
  name: 'TfIdfVectorizer',
  since: [9],
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'TfIdfVectorizer: X');
    const a = ctx.attrs;
    const minN = a.int('min_gram_length');
    const maxN = a.int('max_gram_length');
    const maxSkip = a.int('max_skip_count');
    const mode = a.string('mode');
    if (mode !== 'TF' && mode !== 'IDF' && mode !== 'TFIDF') throw new LatheError(`TfIdfVectorizer: mode '${mode}' is not TF, IDF or TFIDF`);
    if (!(minN >= 1 && maxN >= minN && maxSkip >= 0)) throw new LatheError('TfIdfVectorizer: bad gram lengths or skip count');
    const counts = a.ints('ngram_counts');
    const indexes = a.ints('ngram_indexes');
    const isStr = a.has('pool_strings');
    const pool: (string | number)[] = isStr ? a.strings('pool_strings') : a.ints('pool_int64s', []);
    if (isStr !== (x.dtype === D.STRING)) throw new LatheError('TfIdfVectorizer: pool kind does not match the input dtype');
    const weights = a.floats('weights', []);
    // n-gram key → index into ngram_indexes (the pool order).
    const lookup = new Map<string, number>();
    let gram = 0;
    for (let g = 0; g < counts.length; g++) {
      const n = g + 1;
      const start = counts[g];
      const end = g + 1 < counts.length ? counts[g + 1] : pool.length;
      if (start < 0 || end > pool.length || end < start || (end - start) % n !== 0) {
        throw new LatheError(`TfIdfVectorizer: ngram_counts do not partition the pool into ${n}-grams`);
      }
      for (let p = start; p < end; p += n) lookup.set(gramKey(pool.slice(p, p + n)), gram++);
    }
    if (indexes.length !== gram) throw new LatheError(`TfIdfVectorizer: ${indexes.length} ngram_indexes for ${gram} n-grams`);
    const width = indexes.reduce((m, v) => Math.max(m, v + 1), 0);
    if (indexes.some((v) => v < 0)) throw new LatheError('TfIdfVectorizer: negative ngram index');
    if (x.dims.length !== 1 && x.dims.length !== 2) throw new LatheError(`TfIdfVectorizer: input rank ${x.dims.length} is not 1 or 2`);
    const rows = x.dims.length === 2 ? x.dims[0] : 1;
    const cols = x.dims[x.dims.length - 1];
    checkAttrSized(rows * width, 'TfIdfVectorizer');
    const out = new Float32Array(rows * width);
    const tokens: (string | number | bigint)[] = Array.from(x.data as ArrayLike<string | number | bigint>);
    const hit = new Float64Array(gram);
    for (let r = 0; r < rows; r++) {
      hit.fill(0);
      const base = r * cols;
      for (let n = minN; n <= maxN; n++) {
        // Unigrams do not depend on the skip distance: count them once.
        const skips = n === 1 ? 0 : maxSkip;
        for (let s = 0; s <= skips; s++) {
          const step = s + 1;
          for (let i = 0; i + (n - 1) * step < cols; i++) {
            const items: (string | number | bigint)[] = [];
            for (let q = 0; q < n; q++) items.push(tokens[base + i + q * step]);
            const j = lookup.get(gramKey(items));
            if (j !== undefined) hit[j]++;
          }
        }
      }
      for (let j = 0; j < gram; j++) {
        if (hit[j] === 0) continue;
        const w = weights.length ? weights[j] : 1;
        const v = mode === 'TF' ? hit[j] : mode === 'IDF' ? w : hit[j] * w;
        out[r * width + indexes[j]] = v;
      }
    }
    const dims = x.dims.length === 2 ? [rows, width] : [width];
    return [{ kind: 'tensor', dtype: D.FLOAT, dims, data: out }];
  },
};

export const stringOps: OpTable = [stringConcat, stringSplit, stringNormalizer, regexFullMatch, tfIdfVectorizer];

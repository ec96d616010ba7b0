import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { re2ToRegExp } from './regex.js';
import { stringOps } from './strings.js';
import { ctxOf, find, i32, i64, plain, str } from './test-util.js';

const op = (name: string) => find(stringOps, name);

describe('StringConcat', () => {
  it('concatenates with broadcasting, code-point safe', () => {
    const r = op('StringConcat').kernel([str([3], ['a', 'b', '☃']), str([1], ['_x'])], ctxOf('StringConcat', {}, { inputs: 2 }))[0];
    expect(plain(r)).toEqual({ dtype: D.STRING, dims: [3], data: ['a_x', 'b_x', '☃_x'] });
    expect(plain(op('StringConcat').kernel([str([], ['a']), str([], [''])], ctxOf('StringConcat', {}, { inputs: 2 }))[0]).dims).toEqual([]);
    expect(() => op('StringConcat').kernel([str([2], ['a', 'b']), str([3], ['a', 'b', 'c'])], ctxOf('StringConcat', {}, { inputs: 2 }))).toThrow(LatheError);
  });
});

describe('StringSplit', () => {
  const split = (x: string[], attrs: Record<string, string | bigint> = {}, dims = [x.length]) => {
    const [y, z] = op('StringSplit').kernel([str(dims, x)], ctxOf('StringSplit', attrs, { outputs: 2 }));
    return { y: plain(y), z: plain(z) };
  };
  it('splits on a delimiter keeping empty pieces, padded to the longest', () => {
    const { y, z } = split(['o-n-n--x-', 'a'], { delimiter: '-' });
    expect(y.dims).toEqual([2, 6]);
    expect(y.data).toEqual(['o', 'n', 'n', '', 'x', '', 'a', '', '', '', '', '']);
    expect(z).toEqual({ dtype: D.INT64, dims: [2], data: [6, 1] });
  });
  it('splits on whitespace runs without a delimiter (Python str.split)', () => {
    const { y, z } = split(['  hello   world !', '', ' a\tb\n']);
    expect(y.data).toEqual(['hello', 'world', '!', '', '', '', 'a', 'b', '']);
    expect(z.data).toEqual([3, 0, 2]);
  });
  it('stops after maxsplit splits, keeping the rest', () => {
    const { y, z } = split(['o n n x', 'the quick brown fox', 'a.b.c', 'x'], { maxsplit: 2n }, [2, 2]);
    expect(y.dims).toEqual([2, 2, 3]);
    expect(y.data).toEqual(['o', 'n', 'n x', 'the', 'quick', 'brown fox', 'a.b.c', '', '', 'x', '', '']);
    expect(z.data).toEqual([3, 3, 1, 1]);
    expect(split(['a.b.c'], { delimiter: '.', maxsplit: 1n }).y.data).toEqual(['a', 'b.c']);
  });
  it('gives [0, 0] for an empty input', () => {
    const { y, z } = split([], {}, [0]);
    expect(y.dims).toEqual([0, 0]);
    expect(z.dims).toEqual([0]);
  });
});

describe('StringNormalizer', () => {
  const norm = (x: string[], attrs: Record<string, unknown>, dims = [x.length]) =>
    plain(op('StringNormalizer').kernel([str(dims, x)], ctxOf('StringNormalizer', attrs as never))[0]);
  it('drops stop words (case-insensitive by default) and changes case', () => {
    expect(norm(['Monday', 'tuesday', 'monday'], { stopwords: ['monday'], case_change_action: 'UPPER' }, [1, 3]))
      .toEqual({ dtype: D.STRING, dims: [1, 1], data: ['TUESDAY'] });
    expect(norm(['Monday', 'tuesday', 'monday'], { stopwords: ['monday'], is_case_sensitive: 1n, case_change_action: 'LOWER' }).data)
      .toEqual(['monday', 'tuesday']);
  });
  it('returns one empty string when everything is dropped', () => {
    expect(norm(['monday', 'monday'], { stopwords: ['monday'] })).toEqual({ dtype: D.STRING, dims: [1], data: [''] });
    expect(norm(['monday'], { stopwords: ['monday'] }, [1, 1]).dims).toEqual([1, 1]);
  });
  it('rejects other shapes and unknown actions', () => {
    expect(() => norm(['a', 'b'], {}, [2, 1])).toThrow(/shape/);
    expect(() => norm(['a'], { case_change_action: 'TITLE' })).toThrow(/TITLE/);
  });
});

describe('RegexFullMatch and the RE2 translation', () => {
  const match = (pattern: string, xs: string[]) =>
    plain(op('RegexFullMatch').kernel([str([xs.length], xs)], ctxOf('RegexFullMatch', { pattern }))[0]).data;
  it('matches the node-test patterns', () => {
    expect(match('www\\.[\\w.-]+\\.\\bcom\\b', ['www.google.com', 'www.facebook.com', 'www.bbc.co.uk'])).toEqual([1, 1, 0]);
    expect(match('(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)', ['account@gmail.com', 'account@hotmail.com', 'not email', 'account2@yahoo.com']))
      .toEqual([1, 0, 0, 1]);
  });
  it('requires the whole string to match, even across lines under (?m)', () => {
    expect(match('ab', ['ab', 'abc', 'xab'])).toEqual([1, 0, 0]);
    expect(match('(?m)^a$', ['a\nb', 'a'])).toEqual([0, 1]);
  });
  it('keeps RE2 meanings of ., \\s, \\A/\\z, named groups, POSIX classes, \\Q…\\E, flags', () => {
    expect(match('a.b', ['a\rb', 'a\nb'])).toEqual([1, 0]);
    expect(match('(?s)a.b', ['a\nb'])).toEqual([1]);
    expect(match('a\\sb', ['a b', 'a\u00a0b'])).toEqual([1, 0]);
    expect(match('\\Aab\\z', ['ab'])).toEqual([1]);
    expect(match('(?P<x>[[:digit:]]+)-\\pL', ['12-é', '12-1'])).toEqual([1, 0]);
    expect(match('\\Q1+1\\E', ['1+1', '11'])).toEqual([1, 0]);
    expect(match('(?i)abc', ['ABC'])).toEqual([1]);
    expect(match('a{,2}', ['a{,2}'])).toEqual([1]);
  });
  it('rejects what RE2 does not support', () => {
    expect(() => re2ToRegExp('(a)\\1')).toThrow(/backreference/);
    expect(() => re2ToRegExp('a(?=b)')).toThrow(LatheError);
    expect(() => re2ToRegExp('[a')).toThrow(LatheError);
  });
});

describe('TfIdfVectorizer', () => {
  const base = {
    max_gram_length: 2n, min_gram_length: 2n, max_skip_count: 0n, mode: 'TF',
    ngram_counts: [0n, 4n], ngram_indexes: [0n, 1n, 2n, 3n, 4n, 5n, 6n], pool_int64s: [2n, 3n, 5n, 4n, 5n, 6n, 7n, 8n, 6n, 7n],
  };
  const x = i32([12], [1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8]);
  const run = (attrs: Record<string, unknown>, input = x) => plain(op('TfIdfVectorizer').kernel([input], ctxOf('TfIdfVectorizer', attrs as never))[0]);
  it('counts contiguous bigrams', () => {
    // bigrams of the pool: (5,6) idx4, (7,8) idx5, (6,7) idx6; x has 7-8, 8-6? no, 6-7, 5-6.
    expect(run(base)).toEqual({ dtype: D.FLOAT, dims: [7], data: [0, 0, 0, 0, 1, 1, 1] });
  });
  it('counts skip-grams and unigrams once each', () => {
    // (7,8) occurs at distances 1, 3 and 6 (skips 0, 2, 5).
    expect(run({ ...base, max_skip_count: 5n }).data).toEqual([0, 0, 0, 0, 1, 3, 1]);
    expect(run({ ...base, max_skip_count: 5n, min_gram_length: 1n }).data).toEqual([0, 3, 1, 0, 1, 3, 1]);
  });
  it('weights counts in IDF and TFIDF modes; works per row and on strings', () => {
    const weights = [1, 1, 1, 1, 0.5, 2, 3];
    expect(run({ ...base, max_skip_count: 5n, mode: 'IDF', weights }).data).toEqual([0, 0, 0, 0, 0.5, 2, 3]);
    expect(run({ ...base, max_skip_count: 5n, mode: 'TFIDF', weights }).data).toEqual([0, 0, 0, 0, 0.5, 6, 3]);
    expect(run(base, i64([2, 6], [1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8])).data).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    const { pool_int64s: _unused, ...noInts } = base;
    const s = run({ ...noInts, pool_strings: ['a', 'b', 'c', 'd', 'x', 'y', 'y', 'z', 'z', 'x'], ngram_counts: [0n, 4n] },
      str([4], ['x', 'y', 'z', 'x']));
    expect(s.data).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });
  it('rejects inconsistent pools', () => {
    expect(() => run({ ...base, ngram_counts: [0n, 3n] })).toThrow(LatheError);
    expect(() => run({ ...base, ngram_indexes: [0n] })).toThrow(/ngram_indexes/);
    expect(() => run({ ...base, ngram_indexes: [0n, 1n, 2n, 3n, 4n, 5n, 1n << 40n] })).toThrow(/limit/);
  });
});

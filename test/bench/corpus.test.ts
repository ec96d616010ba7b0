import { describe, expect, it } from 'vitest';
import { benchMain, corpusModels, filledModel } from '../../bench/corpus.js';

describe('bench corpus helpers', () => {
  it('a model name the corpus lacks is a one-line error naming the corpus models', () => {
    const known = corpusModels();
    expect(known.length).toBeGreaterThan(0);
    expect(() => filledModel('no-such-model.dynamo')).toThrow(new RegExp(`no corpus model 'no-such-model.dynamo' \\(the corpus has: .*${known[0].replace(/[.]/g, '\\.')}`));
  });
  it('benchMain turns a failure into one line and exit status 1', async () => {
    const errors: string[] = [];
    const saved = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      await benchMain(async () => {
        throw new Error('boom');
      });
    } finally {
      console.error = saved;
    }
    expect(errors).toEqual(['bench: boom']);
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
  });
});

/** The pipeline text form: options typed from defaults, loops, canonical printing, errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../ir/error.js';
import { definePass } from './pass.js';
import { fixpoint, parsePipeline, printSchedule, repeat, seq, step, type PassRegistry, type Schedule } from './pipeline.js';

const idle = (m: never) => m;
const fold = definePass({ name: 'fold-constants', summary: 'folds', defaults: { limit: 1024, exact: true, mode: 'fast' }, run: idle });
const dce = definePass({ name: 'eliminate-dead-code', summary: 'dce', defaults: {}, run: idle });
const inline = definePass({ name: 'inline-functions', summary: 'inline', defaults: { depth: 4 }, run: idle });
const registry: PassRegistry = { 'fold-constants': fold, 'eliminate-dead-code': dce, 'inline-functions': inline };

/** A schedule as plain data (passes hold closures, which toEqual cannot compare). */
function data(s: Schedule): unknown {
  switch (s.kind) {
    case 'pass':
      return { pass: s.pass.name, options: s.pass.options };
    case 'seq':
      return { seq: s.steps.map(data) };
    case 'repeat':
      return { repeat: s.times, body: data(s.body) };
    case 'fixpoint':
      return { fixpoint: s.maxIterations, body: data(s.body) };
  }
}

const rt = (t: string) => printSchedule(parsePipeline(t, registry));

/** The message parsePipeline refuses `t` with (a LatheError), or a failure when it parses. */
function err(t: string): string {
  try {
    parsePipeline(t, registry);
  } catch (e) {
    expect(e).toBeInstanceOf(LatheError);
    return (e as Error).message;
  }
  throw new Error(`parsed: ${t}`);
}

describe('pipeline text', () => {
  it('parses the forms of the brief and prints them canonically', () => {
    expect(rt('inline-functions,fixpoint(fold-constants,eliminate-dead-code)')).toBe('inline-functions,fixpoint(fold-constants,eliminate-dead-code)');
    expect(rt(' fold-constants{ limit = 10 } ')).toBe('fold-constants{limit=10}');
    expect(rt('fold-constants{limit=1024}')).toBe('fold-constants'); // the default is left out
    expect(rt('fixpoint{max=8}(eliminate-dead-code)')).toBe('fixpoint(eliminate-dead-code)');
    expect(rt('fixpoint{max=3}(eliminate-dead-code)')).toBe('fixpoint{max=3}(eliminate-dead-code)');
    expect(rt('repeat{n=3}(fold-constants,eliminate-dead-code)')).toBe('repeat{n=3}(fold-constants,eliminate-dead-code)');
    expect(rt('seq(fold-constants,eliminate-dead-code)')).toBe('fold-constants,eliminate-dead-code');
    expect(rt('seq(eliminate-dead-code)')).toBe('seq(eliminate-dead-code)');
    expect(rt('seq()')).toBe('seq()');
    expect(rt('seq(seq(fold-constants,eliminate-dead-code)),eliminate-dead-code')).toBe('seq(seq(fold-constants,eliminate-dead-code)),eliminate-dead-code');
  });
  it('types option values from the defaults', () => {
    const s = parsePipeline('fold-constants{limit=1e3,exact=false,mode="a b,c"}', registry);
    expect(data(s)).toEqual({ pass: 'fold-constants', options: { limit: 1000, exact: false, mode: 'a b,c' } });
    expect(printSchedule(s)).toBe('fold-constants{limit=1000,exact=false,mode="a b,c"}');
    expect(data(parsePipeline('fold-constants{mode=slow}', registry))).toEqual({ pass: 'fold-constants', options: { limit: 1024, exact: true, mode: 'slow' } });
    expect(printSchedule(parsePipeline('fold-constants{mode="true"}', registry))).toBe('fold-constants{mode="true"}');
  });
  it('builds the same data from the constructors', () => {
    const s = seq(inline(), fixpoint({ maxIterations: 4 }, fold({ limit: 1 }), dce()), repeat(2, dce()));
    expect(printSchedule(s)).toBe('inline-functions,fixpoint{max=4}(fold-constants{limit=1},eliminate-dead-code),repeat{n=2}(eliminate-dead-code)');
    expect(data(parsePipeline(printSchedule(s), registry))).toEqual(data(s));
  });
  it('names what is wrong', () => {
    expect(err('fold-constants{limt=3}')).toBe("pass 'fold-constants' has no option 'limt' (options: limit, exact, mode)");
    expect(err('fold-constants{limit=many}')).toBe("option 'limit' of pass 'fold-constants' must be a number (got many)");
    expect(err('fold-constants{exact=1}')).toBe("option 'exact' of pass 'fold-constants' must be true or false (got 1)");
    expect(err('eliminate-dead-code{x=1}')).toMatch(/has no option 'x' \(it takes none\)/);
    expect(err('fold-constants{limit=1,limit=2}')).toMatch(/option 'limit' given twice/);
    expect(err('repeat(eliminate-dead-code)')).toMatch(/repeat needs \{n=N\}/);
    expect(err('repeat{n=-1}(eliminate-dead-code)')).toMatch(/must be an integer/);
    expect(err('repeat{n=99999999}(eliminate-dead-code)')).toMatch(/must be an integer in \[0, 10000\]/);
    expect(err('fixpoint{max=0}(eliminate-dead-code)')).toMatch(/must be an integer in \[1, 10000\]/);
    expect(err('fixpoint{n=2}(eliminate-dead-code)')).toMatch(/fixpoint has no option 'n'/);
    expect(err('fixpoint(eliminate-dead-code')).toMatch(/expected '\)'/);
    expect(err('eliminate-dead-code)')).toMatch(/unexpected '\)'/);
    expect(err('fold-constants{mode="x}')).toMatch(/unterminated string/);
    expect(err('')).toMatch(/empty pass name/);
    expect(err('seq')).toMatch(/expected '\('/);
    expect(err('eliminate-dead-code,')).toMatch(/empty pass name/);
    expect(err(`${'seq('.repeat(100000)}eliminate-dead-code${')'.repeat(100000)}`)).toMatch(/nested deeper than 64 levels/);
    expect(rt(`${'seq('.repeat(63)}eliminate-dead-code${')'.repeat(63)}`)).toMatch(/^seq\(seq\(/);
  });
});

describe('pipeline text corners no other test reached', () => {
  it('empty braces are no options (the defaults)', () => {
    expect(data(parsePipeline('fold-constants{}', registry))).toEqual({ pass: 'fold-constants', options: { limit: 1024, exact: true, mode: 'fast' } });
    expect(data(parsePipeline('fixpoint{}(eliminate-dead-code)', registry))).toEqual({ fixpoint: 8, body: { pass: 'eliminate-dead-code', options: {} } });
  });
  it('a bad option name, a missing value, a bad quoted string, a stray character are named', () => {
    expect(err('fold-constants{9x=1}')).toMatch(/bad option name '9x'/);
    expect(err('fold-constants{=1}')).toMatch(/expected an option name/);
    expect(err('fold-constants{limit=}')).toMatch(/option 'limit' needs a value/);
    expect(err('fold-constants{mode="\\q"}')).toMatch(/option 'mode' of pass 'fold-constants' must be a string/);
    expect(err('eliminate-dead-code,{')).toMatch(/unexpected '\{'/);
  });
  it('a loop bound that is not an integer names the loop (and where)', () => {
    expect(err('repeat{n=1.5}(eliminate-dead-code)')).toMatch(/repeat\{n=…\} must be an integer/);
  });
  it('an option whose default is not a number, boolean or string cannot be set in text', () => {
    const listy = definePass({ name: 'listy', summary: 'list option', defaults: { items: [1, 2] as number[] }, run: idle });
    expect(() => parsePipeline('listy{items=1}', { listy })).toThrow(/option 'items' of pass 'listy' cannot be set in pipeline text/);
  });
  it('printing refuses option values text cannot carry back (Infinity, NaN, a list)', () => {
    expect(() => printSchedule(step(fold({ limit: Infinity })))).toThrow(/Infinity cannot be written in pipeline text/);
    expect(() => printSchedule(step(fold({ limit: NaN })))).toThrow(/NaN cannot be written in pipeline text/);
    expect(() => printSchedule(step(fold({ mode: ['a'] as never })))).toThrow(/only number, boolean and string options can be written/);
    // -0 prints as -0 and a word-like string bare; 'false' as a string is quoted so it stays one.
    expect(printSchedule(step(fold({ limit: -0, mode: 'false' })))).toBe('fold-constants{limit=-0,mode="false"}');
  });
  it('an option of -0 whose default is 0 is printed (0 === -0, but they are not the same value)', () => {
    const signed = definePass({ name: 'signed', summary: 'zero default', defaults: { bias: 0 }, run: idle });
    const s = step(signed({ bias: -0 }));
    expect(printSchedule(s)).toBe('signed{bias=-0}');
    expect(Object.is((parsePipeline(printSchedule(s), { signed }) as unknown as { pass: { options: { bias: number } } }).pass.options.bias, -0)).toBe(true);
    expect(printSchedule(step(signed({ bias: 0 })))).toBe('signed');
  });
  it('repeat and fixpoint over several steps run them as one sequence; fixpoint defaults to 8 iterations', () => {
    expect(data(repeat(2, dce(), inline()))).toEqual({ repeat: 2, body: { seq: [data(step(dce())), data(step(inline()))] } });
    expect(data(fixpoint({}, dce()))).toEqual({ fixpoint: 8, body: data(step(dce())) });
  });
});

// ---- property: random schedules round-trip through text

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const str = fc.oneof(word, fc.string({ maxLength: 8 }));
const arbPass: fc.Arbitrary<Schedule> = fc.oneof(
  fc.record({ limit: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)), exact: fc.boolean(), mode: str }, { requiredKeys: [] }).map((o) => ({ kind: 'pass' as const, pass: fold(o) })),
  fc.constant(null).map(() => ({ kind: 'pass' as const, pass: dce() })),
  fc.integer({ min: -5, max: 5 }).map((depth) => ({ kind: 'pass' as const, pass: inline({ depth }) })),
);
const arbSchedule: fc.Arbitrary<Schedule> = fc.letrec<{ s: Schedule }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbPass,
    fc.array(tie('s'), { maxLength: 4 }).map((steps): Schedule => ({ kind: 'seq', steps })),
    fc.tuple(fc.integer({ min: 0, max: 20 }), tie('s')).map(([times, body]): Schedule => ({ kind: 'repeat', times, body })),
    fc.tuple(fc.integer({ min: 1, max: 20 }), tie('s')).map(([maxIterations, body]): Schedule => ({ kind: 'fixpoint', maxIterations, body })),
  ),
})).s;

describe('pipeline text properties', () => {
  it('parse(print(s)) equals s, and print(parse(t)) is canonical', () => {
    let nested = 0;
    fc.assert(
      fc.property(arbSchedule, (s) => {
        const text = printSchedule(s);
        const back = parsePipeline(text, registry);
        expect(data(back)).toEqual(data(s));
        expect(printSchedule(back)).toBe(text);
        if (/\(.*\(/.test(text)) nested++;
      }),
      { numRuns: 400 },
    );
    expect(nested).toBeGreaterThan(20); // the generator does reach nested loops
  });
});

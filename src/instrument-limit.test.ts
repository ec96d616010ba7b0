import { describe, expect, it } from 'vitest';
import { withWeight } from '../test/support/huge-weight.js';
import { reproducerText } from './instrument.js';
import { PassFailure } from './runner.js';

describe('reproducerText', () => {
  it('still writes a reproducer for a model too large to print whole: the graph, its large weights stripped', () => {
    const failure = new PassFailure('pass boom failed: it threw', 'threw', 'boom', 'boom', withWeight(100_000_000));
    const text = reproducerText(failure);
    expect(text).toMatch(/^# lathe reproducer: pass boom failed: it threw\n# pipeline: boom\n# tensors over 4096 elements stripped/);
    expect(text).toContain('stripped>');
    expect(text).toContain('y = Add (x, w)');
  });
});

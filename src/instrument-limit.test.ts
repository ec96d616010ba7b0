import { describe, expect, it } from 'vitest';
import { withWeight } from '../test/support/huge-weight.js';
import { reproducerPath, reproducerText } from './instrument.js';
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

describe('reproducerPath', () => {
  it('is OUT minus .onnx plus .repro.onnx.txt; for -o - (standard output) a file in the current folder', () => {
    expect(reproducerPath('out/m.onnx')).toBe('out/m.repro.onnx.txt');
    expect(reproducerPath('m.ONNX')).toBe('m.repro.onnx.txt');
    expect(reproducerPath('m.bin')).toBe('m.bin.repro.onnx.txt');
    expect(reproducerPath('-')).toBe('lathe.repro.onnx.txt'); // not '-.repro.onnx.txt', a name that reads as an option
  });
});

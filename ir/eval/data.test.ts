import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { DataType as D } from '../dtype.js';
import { dataMessageInfo } from '../onnx/data-schema.js';
import { decodeModel } from '../onnx/decode.js';
import { encodeMessageToBytes } from '../onnx/encode.js';
import { liftModel } from '../onnx/lift.js';
import type { RtValue } from '../ops/types.js';
import type { Type } from '../types.js';
import { readValue, writeValue } from './data.js';
import { nodeTestsDir } from '../../test/support/shared.js';

const NODE = nodeTestsDir;

function caseTypes(name: string): { inputs: (Type | undefined)[]; outputs: (Type | undefined)[] } {
  const m = liftModel(decodeModel(memorySource(readFileSync(join(NODE, name, 'model.onnx')))), {});
  const g = m.graph;
  const init = new Set(g.initializers);
  return {
    inputs: g.inputs.filter((v) => !init.has(v)).map((v) => g.values[v]?.type),
    outputs: g.outputs.map((v, i) => g.outputInfo?.[i]?.type ?? g.values[v]?.type),
  };
}

describe('test-case files round-trip through readValue / writeValue', () => {
  const cases = ['test_identity_sequence', 'test_optional_get_element_optional_sequence', 'test_optional_has_element_empty_optional_input',
    'test_if_seq', 'test_optional_get_element_tensor', 'test_cast_FLOAT_to_FLOAT8E4M3FN', 'test_strnormalizer_export_monday_casesensintive_lower'];
  for (const name of cases) {
    test(name, () => {
      const types = caseTypes(name);
      const dir = join(NODE, name, 'test_data_set_0');
      let files = 0;
      for (const f of readdirSync(dir)) {
        const [, io, k] = /^(input|output)_(\d+)\.pb$/.exec(f)!;
        const type = (io === 'input' ? types.inputs : types.outputs)[Number(k)];
        const bytes = readFileSync(join(dir, f));
        const v = readValue(bytes, type, f);
        expect(v.kind).toBe(type?.kind === 'sparse' ? 'tensor' : type?.kind ?? 'tensor');
        expect(readValue(writeValue(v), type, f)).toEqual(v);
        files++;
      }
      expect(files).toBeGreaterThan(0);
    });
  }
});

describe('values of every kind', () => {
  const t = (xs: number[]): RtValue => ({ kind: 'tensor', dtype: D.FLOAT, dims: [xs.length], data: Float32Array.from(xs) });
  test('nested sequences, optionals, maps', () => {
    const seqType: Type = { kind: 'sequence', elem: { kind: 'sequence', elem: { kind: 'tensor', dtype: D.FLOAT } } };
    const seq: RtValue = { kind: 'sequence', items: [{ kind: 'sequence', elemDtype: D.FLOAT, items: [t([1]), t([2, 3])] }] };
    expect(readValue(writeValue(seq), seqType)).toEqual(seq);
    const optType: Type = { kind: 'optional', elem: { kind: 'tensor', dtype: D.FLOAT } };
    const empty: RtValue = { kind: 'optional', elemDtype: D.FLOAT, value: null };
    expect(readValue(writeValue(empty), optType)).toEqual(empty);
    const mapType: Type = { kind: 'map', key: D.STRING, value: { kind: 'tensor', dtype: D.FLOAT } };
    const map: RtValue = { kind: 'map', keyDtype: D.STRING, keys: ['a', 'é'], values: { kind: 'sequence', elemDtype: D.FLOAT, items: [t([1]), t([2])] } };
    expect(readValue(writeValue(map), mapType)).toEqual(map);
    const strings: RtValue = { kind: 'tensor', dtype: D.STRING, dims: [2], data: ['x', 'ÿ'] };
    expect(readValue(writeValue(strings))).toEqual(strings);
  });
  test('a sequence of int64-keyed maps, and a sequence of optionals (one empty), round-trip', () => {
    const i64 = (xs: bigint[]): RtValue => ({ kind: 'tensor', dtype: D.INT64, dims: [xs.length], data: BigInt64Array.from(xs) });
    const mapT: Type = { kind: 'map', key: D.INT64, value: { kind: 'tensor', dtype: D.FLOAT } };
    const m1: RtValue = { kind: 'map', keyDtype: D.INT64, keys: [3n, -1n], values: { kind: 'sequence', elemDtype: D.FLOAT, items: [t([1]), t([2])] } };
    const m2: RtValue = { kind: 'map', keyDtype: D.INT64, keys: [7n], values: { kind: 'sequence', elemDtype: D.FLOAT, items: [t([5, 6])] } };
    const seqOfMaps: RtValue = { kind: 'sequence', items: [m1, m2] };
    expect(readValue(writeValue(seqOfMaps), { kind: 'sequence', elem: mapT })).toEqual(seqOfMaps);
    const optT: Type = { kind: 'optional', elem: { kind: 'tensor', dtype: D.INT64 } };
    const seqOfOpts: RtValue = { kind: 'sequence', items: [{ kind: 'optional', elemDtype: D.INT64, value: i64([4n]) }, { kind: 'optional', elemDtype: D.INT64, value: null }] };
    expect(readValue(writeValue(seqOfOpts), { kind: 'sequence', elem: optT })).toEqual(seqOfOpts);
  });
  test('an optional holding a map, and an optional holding an optional, round-trip', () => {
    const mapT: Type = { kind: 'map', key: D.STRING, value: { kind: 'tensor', dtype: D.FLOAT } };
    const m: RtValue = { kind: 'map', keyDtype: D.STRING, keys: ['k'], values: { kind: 'sequence', elemDtype: D.FLOAT, items: [t([9])] } };
    const optMap: RtValue = { kind: 'optional', value: m };
    expect(readValue(writeValue(optMap), { kind: 'optional', elem: mapT })).toEqual(optMap);
    const inner: RtValue = { kind: 'optional', elemDtype: D.FLOAT, value: t([1, 2]) };
    const optOpt: RtValue = { kind: 'optional', value: inner };
    // Reading takes the element dtype from the declared type, through the inner optional.
    expect(readValue(writeValue(optOpt), { kind: 'optional', elem: { kind: 'optional', elem: { kind: 'tensor', dtype: D.FLOAT } } })).toEqual({ ...optOpt, elemDtype: D.FLOAT });
  });
  test('the name given to writeValue is stored in the proto of every kind', () => {
    // field 8 of TensorProto, 1 of SequenceProto / MapProto / OptionalProto; the bytes hold it.
    const has = (b: Uint8Array, s: string) => Buffer.from(b).includes(Buffer.from(s));
    expect(has(writeValue(t([1]), 'in_x'), 'in_x')).toBe(true);
    expect(has(writeValue({ kind: 'sequence', items: [t([1])] }, 'in_s'), 'in_s')).toBe(true);
    expect(has(writeValue({ kind: 'optional', value: null }, 'in_o'), 'in_o')).toBe(true);
    expect(has(writeValue({ kind: 'map', keyDtype: D.INT64, keys: [], values: { kind: 'sequence', items: [] } }, 'in_m'), 'in_m')).toBe(true);
    expect(has(writeValue(t([1])), 'in_x')).toBe(false);
  });
  test('a sequence mixing kinds, or a string tensor holding numbers, cannot be written', () => {
    expect(() => writeValue({ kind: 'sequence', items: [t([1]), { kind: 'optional', value: null }] }, 's')).toThrow(/s: items of different kinds cannot be written/);
    expect(() => writeValue({ kind: 'tensor', dtype: D.STRING, dims: [1], data: Float32Array.of(1) }, 'x')).toThrow(/x: string tensor holds numbers/);
  });
  test('a SequenceProto with values but no elem_type, or an unknown elem_type, is refused; an empty one reads as empty', () => {
    const info = dataMessageInfo('SequenceProto');
    const tensor = { dims: [1n], dataType: D.FLOAT, rawData: new Uint8Array(4), stringData: [], externalData: [], metadataProps: [] };
    const noKind = encodeMessageToBytes({ tensorValues: [tensor], sparseTensorValues: [], sequenceValues: [], mapValues: [], optionalValues: [] }, info);
    expect(() => readValue(noKind, { kind: 'sequence' }, 's.pb')).toThrow(/s.pb: SequenceProto has values but no elem_type/);
    const empty = encodeMessageToBytes({ tensorValues: [], sparseTensorValues: [], sequenceValues: [], mapValues: [], optionalValues: [] }, info);
    expect(readValue(empty, { kind: 'sequence', elem: { kind: 'tensor', dtype: D.INT32 } }, 's.pb')).toEqual({ kind: 'sequence', elemDtype: D.INT32, items: [] });
    const sparse = encodeMessageToBytes({ elemType: 2, tensorValues: [], sparseTensorValues: [], sequenceValues: [], mapValues: [], optionalValues: [] }, info);
    expect(() => readValue(sparse, { kind: 'sequence' }, 's.pb')).toThrow(/SequenceProto elem_type 2 is not supported/);
    const optInfo = dataMessageInfo('OptionalProto');
    expect(() => readValue(encodeMessageToBytes({ elemType: 2 }, optInfo), { kind: 'optional' }, 'o.pb')).toThrow(/OptionalProto elem_type 2 is not supported/);
  });
  test('a map whose values do not pair one to one with its keys is refused, not written as a file no reader accepts', () => {
    const two = t([1, 2]);
    expect(() => writeValue({ kind: 'map', keyDtype: D.INT64, keys: [1n, 2n], values: two }, 'm')).toThrow(/m: 2 keys and 1 values cannot be written/);
    expect(() => writeValue({ kind: 'map', keyDtype: D.INT64, keys: [1n], values: { kind: 'sequence', items: [t([1]), t([2])] } })).toThrow(/map: 1 keys and 2 values/);
    // A single key with a bare value is that key's value.
    const one: RtValue = { kind: 'map', keyDtype: D.INT64, keys: [5n], values: t([3]) };
    expect(readValue(writeValue(one), { kind: 'map', key: D.INT64 })).toEqual({ kind: 'map', keyDtype: D.INT64, keys: [5n], values: { kind: 'sequence', elemDtype: D.FLOAT, items: [t([3])] } });
  });
  test('bad files are LatheErrors', () => {
    expect(() => readValue(Uint8Array.of(0x0a, 0x05, 1), undefined, 'in.pb')).toThrow(LatheError);
    const mismatched = encodeMessageToBytes({ keyType: D.INT64, keys: [1n, 2n], stringKeys: [] }, dataMessageInfo('MapProto'));
    expect(() => readValue(mismatched, { kind: 'map', key: D.INT64 }, 'm.pb')).toThrow(/m.pb: MapProto has 2 keys and 0 values/);
  });
  test('nesting is bounded', () => {
    let inner: RtValue = t([1]);
    for (let i = 0; i < 70; i++) inner = { kind: 'optional', value: inner };
    expect(() => writeValue(inner)).toThrow(/deeper than 64/);
  });
});

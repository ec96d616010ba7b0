/**
 * A lazily scaled float32 weight: the payload of `Mul(W, c)` for a float32 W that stays in its
 * file (or is itself lazy) and a float32 scalar c, computed when read. Folding an attention scale
 * into the query projection of every layer of a BERT otherwise reads each 2.4 MB weight into fresh
 * memory and multiplies it into more fresh memory, and first touches of fresh pages cost more on
 * these machines than the arithmetic (measured: 40 ms of a 100 ms -O1 run on bert-base.legacy);
 * lazily, saving reads each weight once into the writer's reused buffer and scales it there.
 *
 * The bytes are those of the Mul kernel's result: each element is the product of two float32
 * values rounded once to float32 (a Float32Array store), as the kernel computes it.
 */
import { Blob, elementRead, type ByteSource } from './blob.js';

class ScaledSource implements ByteSource {
  readonly size: number;
  readonly label: string;
  readonly freshReads = true;

  constructor(
    readonly src: Blob,
    readonly factor: number,
  ) {
    this.size = src.length;
    this.label = `${src.source.label} (scaled)`;
  }

  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    const { out, e0, e1, aligned } = elementRead(this.size, this.src.source.label, offset, length, into);
    if (length === 0) return out;
    // Whole elements in place when the range and the buffer are aligned, else through a copy.
    const bytes = aligned ? out : new Uint8Array(4 * (e1 - e0));
    const got = this.src.source.read(this.src.offset + 4 * e0, bytes.length, bytes);
    if (got !== bytes && (got.buffer !== bytes.buffer || got.byteOffset !== bytes.byteOffset)) bytes.set(got);
    const words = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const f = this.factor;
    for (let i = 0; i < words.length; i++) words[i] *= f;
    if (!aligned) out.set(bytes.subarray(offset - 4 * e0, offset - 4 * e0 + length));
    return out;
  }
}

/**
 * The payload of `src` (float32 elements) times `factor`, computed when read; undefined when
 * `factor` is not a float32 value (the product would then not be the Mul kernel's in float32)
 * or `src` is not whole float32 elements.
 */
export function scaledBlob(src: Blob, factor: number): Blob | undefined {
  if (src.length % 4 !== 0 || !(Math.fround(factor) === factor)) return undefined;
  return new Blob(new ScaledSource(src, factor), 0, src.length);
}

/** The source and factor of a lazily scaled payload, or undefined for any other blob (identity keys). */
export function scaledOrigin(b: Blob): { readonly src: Blob; readonly factor: number } | undefined {
  const s = b.source;
  return s instanceof ScaledSource && b.offset === 0 && b.length === s.size ? { src: s.src, factor: s.factor } : undefined;
}

/**
 * ImageDecoder for the formats that need no decompressor: BMP (uncompressed 8/24/32-bit), PNM
 * (P2/P3 ASCII, P5/P6 binary) and baseline TIFF (uncompressed 8-bit strips). JPEG, PNG, WebP,
 * JPEG 2000 and compressed TIFF need real codecs (PNG's inflate is only available asynchronously
 * in a browser) and are refused with a LatheError.
 * Output: uint8 [H, W, 3] in RGB or BGR order, or [H, W, 1] for Grayscale (ITU-R 601-2 luma, as
 * Pillow computes it).
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { OpDef, OpTable } from '../types.js';
import { asTensor } from '../util.js';

interface Rgb { width: number; height: number; rgb: Uint8Array }

function fail(msg: string): never {
  throw new LatheError(`ImageDecoder: ${msg}`);
}

function decodeBmp(b: Uint8Array): Rgb {
  if (b.length < 54) fail('truncated BMP header');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataAt = dv.getUint32(10, true);
  const dib = dv.getUint32(14, true);
  const width = dv.getInt32(18, true);
  const rawH = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const height = Math.abs(rawH);
  if (width <= 0 || height === 0) fail(`bad BMP size ${width}x${rawH}`);
  if (!(compression === 0 || (compression === 3 && bpp === 32))) fail(`compressed BMP (method ${compression}) is not supported`);
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) fail(`${bpp}-bit BMP is not supported`);
  const stride = Math.ceil((bpp * width) / 32) * 4;
  if (dataAt + stride * height > b.length) fail('BMP pixel data is truncated');
  let palette: Uint8Array | undefined;
  if (bpp === 8) {
    const used = dv.getUint32(46, true) || 256;
    const at = 14 + dib;
    if (at + used * 4 > b.length) fail('BMP palette is truncated');
    palette = b.subarray(at, at + used * 4);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // Positive heights store rows bottom-up.
    const row = dataAt + (rawH > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      let p: number;
      let src: Uint8Array = b;
      if (palette) {
        const idx = b[row + x] * 4;
        if (idx + 2 >= palette.length) fail('BMP palette index out of range');
        src = palette;
        p = idx;
      } else {
        p = row + x * (bpp / 8);
      }
      const o = (y * width + x) * 3;
      rgb[o] = src[p + 2];
      rgb[o + 1] = src[p + 1];
      rgb[o + 2] = src[p];
    }
  }
  return { width, height, rgb };
}

/** Baseline TIFF: uncompressed, 8 bits per sample, chunky RGB(A) or grayscale, strips. */
function decodeTiff(b: Uint8Array): Rgb {
  if (b.length < 8) fail('truncated TIFF header');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const u16 = (at: number): number => { if (at + 2 > b.length) fail('TIFF is truncated'); return dv.getUint16(at, le); };
  const u32 = (at: number): number => { if (at + 4 > b.length) fail('TIFF is truncated'); return dv.getUint32(at, le); };
  const ifd = u32(4);
  const n = u16(ifd);
  const tags = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = type === 3 ? 2 : type === 4 ? 4 : 0;
    if (size === 0 || count > b.length) continue;
    const at = count * size <= 4 ? e + 8 : u32(e + 8);
    const vals: number[] = [];
    for (let c = 0; c < count; c++) vals.push(size === 2 ? u16(at + 2 * c) : u32(at + 4 * c));
    tags.set(u16(e), vals);
  }
  const one = (tag: number, dflt?: number): number => {
    const v = tags.get(tag)?.[0] ?? dflt;
    if (v === undefined) fail(`TIFF tag ${tag} is missing`);
    return v;
  };
  const width = one(256);
  const height = one(257);
  const spp = one(277, 1);
  const photometric = one(262);
  if (one(259, 1) !== 1) fail('compressed TIFF is not supported');
  if (one(284, 1) !== 1) fail('planar TIFF is not supported');
  if ((tags.get(258) ?? [1]).some((x) => x !== 8)) fail('only 8-bit TIFF samples are supported');
  if (!((photometric === 2 && spp >= 3) || (photometric <= 1 && spp >= 1))) fail(`TIFF photometric ${photometric} is not supported`);
  const offsets = tags.get(273) ?? fail('TIFF has no strips');
  const counts = tags.get(279) ?? fail('TIFF has no strip byte counts');
  const total = width * height * spp;
  if (width <= 0 || height <= 0 || total > b.length) fail('TIFF pixel data is truncated');
  const px = new Uint8Array(total);
  let at = 0;
  offsets.forEach((off, k) => {
    const len = Math.min(counts[k] ?? 0, total - at);
    if (off + len > b.length) fail('TIFF strip is truncated');
    px.set(b.subarray(off, off + len), at);
    at += len;
  });
  if (at < total) fail('TIFF pixel data is truncated');
  const rgb = new Uint8Array(width * height * 3);
  for (let k = 0; k < width * height; k++) {
    if (photometric === 2) {
      rgb[3 * k] = px[k * spp]; rgb[3 * k + 1] = px[k * spp + 1]; rgb[3 * k + 2] = px[k * spp + 2];
    } else {
      const g = photometric === 0 ? 255 - px[k * spp] : px[k * spp];
      rgb[3 * k] = rgb[3 * k + 1] = rgb[3 * k + 2] = g;
    }
  }
  return { width, height, rgb };
}

function decodePnm(b: Uint8Array): Rgb {
  const kind = String.fromCharCode(b[1]);
  const ascii = kind === '2' || kind === '3';
  const channels = kind === '3' || kind === '6' ? 3 : 1;
  if (!'2356'.includes(kind)) fail(`PNM type P${kind} is not supported`);
  let i = 2;
  const token = (): number => {
    for (;;) {
      while (i < b.length && /\s/.test(String.fromCharCode(b[i]))) i++;
      if (b[i] !== 0x23) break;
      while (i < b.length && b[i] !== 0x0a) i++;
    }
    const start = i;
    while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === start) fail('bad PNM header');
    return Number(String.fromCharCode(...b.subarray(start, i)));
  };
  const width = token();
  const height = token();
  const maxval = token();
  if (width <= 0 || height <= 0 || maxval <= 0 || maxval > 65535) fail('bad PNM header values');
  const count = width * height * channels;
  const wide = maxval > 255;
  if (!ascii) {
    i++; // the single whitespace after maxval
    if (i + count * (wide ? 2 : 1) > b.length) fail('PNM pixel data is truncated');
  } else if (count > b.length) {
    fail('PNM pixel data is truncated');
  }
  const vals = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    let v: number;
    if (ascii) v = token();
    else if (wide) { v = (b[i] << 8) | b[i + 1]; i += 2; } else v = b[i++];
    vals[k] = maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval);
  }
  if (channels === 3) return { width, height, rgb: vals };
  const rgb = new Uint8Array(width * height * 3);
  for (let k = 0; k < vals.length; k++) rgb[3 * k] = rgb[3 * k + 1] = rgb[3 * k + 2] = vals[k];
  return { width, height, rgb };
}

const imageDecoder: OpDef = {
  domain: '',
  name: 'ImageDecoder',
  since: [20],
  kernel(inputs, ctx) {
    const t = asTensor(inputs[0], 'ImageDecoder: encoded_stream');
    if (t.dtype !== D.UINT8 || t.dims.length !== 1) fail('input must be a 1-D uint8 tensor');
    const b = t.data as Uint8Array;
    const format = ctx.attrs.string('pixel_format', 'RGB');
    if (format !== 'RGB' && format !== 'BGR' && format !== 'Grayscale') fail(`pixel_format '${format}' is not RGB, BGR or Grayscale`);
    let img: Rgb;
    if (b[0] === 0x42 && b[1] === 0x4d) img = decodeBmp(b);
    else if (b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x37) img = decodePnm(b);
    else if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42)) img = decodeTiff(b);
    else fail('only BMP, PNM and uncompressed TIFF images are supported (JPEG, PNG, WebP and JPEG 2000 are not)');
    const n = img.width * img.height;
    const { rgb } = img;
    if (format === 'Grayscale') {
      const g = new Uint8Array(n);
      for (let k = 0; k < n; k++) g[k] = (rgb[3 * k] * 19595 + rgb[3 * k + 1] * 38470 + rgb[3 * k + 2] * 7471 + 0x8000) >> 16;
      return [{ kind: 'tensor', dtype: D.UINT8, dims: [img.height, img.width, 1], data: g }];
    }
    if (format === 'BGR') for (let k = 0; k < n; k++) { const r = rgb[3 * k]; rgb[3 * k] = rgb[3 * k + 2]; rgb[3 * k + 2] = r; }
    return [{ kind: 'tensor', dtype: D.UINT8, dims: [img.height, img.width, 3], data: rgb }];
  },
};

export const imageOps: OpTable = [imageDecoder];

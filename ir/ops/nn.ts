/**
 * The nn family (neural-network operators): matrix products, convolutions, pooling,
 * normalizations, softmax, attention, resampling, quantization, recurrent nets, signal ops, and
 * onnxruntime's MatMulNBits (com.microsoft), which lathe's int4 quantization writes.
 * Each sub-file owns a group; this file only concatenates their tables.
 */
import { ops as attention } from './nn/attention.js';
import { ops as conv } from './nn/conv.js';
import { ops as loss } from './nn/loss.js';
import { ops as matmul } from './nn/matmul.js';
import { ops as matmulNBits } from './nn/matmul-nbits.js';
import { ops as norm } from './nn/norm.js';
import { ops as pool } from './nn/pool.js';
import { ops as quant } from './nn/quant.js';
import { ops as recent } from './nn/recent.js';
import { ops as resize } from './nn/resize.js';
import { ops as rnn } from './nn/rnn.js';
import { ops as sample } from './nn/sample.js';
import { ops as signal } from './nn/signal.js';
import { ops as softmax } from './nn/softmax.js';
import type { OpTable } from './types.js';

export const ops: OpTable = [...matmul, ...matmulNBits, ...conv, ...pool, ...norm, ...softmax, ...attention, ...resize, ...quant, ...sample, ...loss, ...rnn, ...signal, ...recent];

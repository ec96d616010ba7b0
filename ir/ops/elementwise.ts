/**
 * The elementwise family: arithmetic, unary math, activations, comparisons and logic, casts and
 * the attribute/shape-sourced ops (Identity, Constant, Size, Shape, ConstantOfShape). Each part
 * lives in `./elementwise/`; this file only concatenates their tables.
 */
import { ops as activation } from './elementwise/activation.js';
import { ops as arith } from './elementwise/arith.js';
import { ops as cast } from './elementwise/cast.js';
import { ops as constant } from './elementwise/constant.js';
import { ops as logic } from './elementwise/logic.js';
import { ops as unary } from './elementwise/unary.js';
import type { OpTable } from './types.js';

export const ops: OpTable = [...arith, ...unary, ...activation, ...logic, ...cast, ...constant];

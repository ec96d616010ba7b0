/**
 * The control family: control flow (If, Loop, Scan), sequences and optionals, string ops,
 * random ops, ai.onnx.ml (LabelEncoder, TreeEnsemble, ArrayFeatureExtractor, Binarizer) and
 * ai.onnx.preview.training optimizers, ai.onnx.preview FlexAttention. Each group lives in
 * `control/<group>.ts`.
 *
 * ImageDecoder decodes only BMP, PNM and uncompressed TIFF (no codec needed); JPEG, PNG, WebP
 * and JPEG 2000 streams are refused with a LatheError.
 */
import { flexOps } from './control/flex.js';
import { flowOps } from './control/flow.js';
import { imageOps } from './control/image.js';
import { mlOps } from './control/ml.js';
import { randomOps } from './control/random.js';
import { sequenceOps } from './control/sequence.js';
import { stringOps } from './control/strings.js';
import { trainingOps } from './control/training.js';
import type { OpTable } from './types.js';

export const ops: OpTable = [...flowOps, ...sequenceOps, ...stringOps, ...randomOps, ...mlOps, ...trainingOps, ...flexOps, ...imageOps];

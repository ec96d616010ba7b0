/** Every pass lathe ships, by pipeline name (explicit: no module-global registration). */
import type { PassFactory } from '../src/pass.js';
import { convertFloat16 } from './convert-float16/convert-float16.js';
import { dedupeInitializers } from './dedupe-initializers/dedupe-initializers.js';
import { eliminateCommonSubexpressions } from './eliminate-common-subexpressions/eliminate-common-subexpressions.js';
import { eliminateDeadCode } from './eliminate-dead-code/eliminate-dead-code.js';
import { eliminateNoOps } from './eliminate-no-ops/eliminate-no-ops.js';
import { fixNames } from './fix-names/fix-names.js';
import { foldAffine } from './fold-affine/fold-affine.js';
import { foldConstants } from './fold-constants/fold-constants.js';
import { fuse } from './fuse/fuse.js';
import { inlineFunctions } from './inline-functions/inline-functions.js';
import { inferShapes } from './infer-shapes/infer-shapes.js';
import { quantizeInt4Weight } from './quantize-int4-weight/quantize-int4-weight.js';
import { simplifyAlgebra } from './simplify-algebra/simplify-algebra.js';
import { simplifyShapes } from './simplify-shapes/simplify-shapes.js';
import { topoSort } from './topo-sort/topo-sort.js';
import { quantizeInt8Dynamic } from './quantize-int8-dynamic/quantize-int8-dynamic.js';
import { quantizeInt8Static } from './quantize-int8-static/quantize-int8-static.js';

export const passes = {
  'convert-float16': convertFloat16,
  'dedupe-initializers': dedupeInitializers,
  'eliminate-common-subexpressions': eliminateCommonSubexpressions,
  'eliminate-dead-code': eliminateDeadCode,
  'eliminate-no-ops': eliminateNoOps,
  'fix-names': fixNames,
  'fold-affine': foldAffine,
  'fold-constants': foldConstants,
  fuse,
  'infer-shapes': inferShapes,
  'inline-functions': inlineFunctions,
  'quantize-int8-dynamic': quantizeInt8Dynamic,
  'quantize-int8-static': quantizeInt8Static,
  'quantize-int4-weight': quantizeInt4Weight,
  'simplify-algebra': simplifyAlgebra,
  'simplify-shapes': simplifyShapes,
  'topo-sort': topoSort,
} satisfies Record<string, PassFactory>;

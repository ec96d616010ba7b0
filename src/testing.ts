/**
 * `lathe/testing`: property-based testing of passes. `arbModel` and `arbFeeds` are fast-check
 * arbitraries of valid models and of their inputs; `checkPass` runs a pass on generated models
 * and throws a `CheckPassError` with the shrunk model when the pass breaks one. fast-check is a
 * peer of this entry point (the core of lathe does not need it). Also: structural model
 * equality, the text form (write a test model as text, print a result to compare) and the
 * verifier. The arbitraries of lathe's own round-trip tests (`test/arbitraries/`) are not exported.
 */
export { modelsEqual } from '../ir/text/equal.js';
export { printModel } from '../ir/text/print.js';
export { parseModel } from '../ir/text/parse.js';
export { verify } from '../ir/verify/verify.js';
export { arbModel, arbModelSpec, buildModel, broadcast, BUILTIN_OPS, DTYPES, opsOf, type ArbModelOptions, type BuildContext, type Dim, type DtypeName, type Feature, type InputSpec, type ModelSpec, type OpGenerator, type Step, type Val } from './testing/arb-model.js';
export { plantPattern, type Plantable, type PlantFn } from './testing/plant.js';
export { arbFeeds, type ArbFeedsOptions, type Feeds } from './testing/arb-feeds.js';
export { registerOracle, type Oracle, type OracleOption } from './testing/oracle.js';
export { asTransform, checkOne, checkOneAsync, checkPass, checkPassAsync, CheckPassError, DEFAULT_TOLERANCE, formatFinding, nodeCount, tensorBytes, type Checkable, type CheckOneOptions, type CheckPassOptions, type Finding } from './testing/check-pass.js';

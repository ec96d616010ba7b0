/**
 * `lathe/testing`: helpers for people who write and test passes: structural model equality, the
 * text form (write a test model as text, print a result to compare) and the verifier. The
 * property-test arbitraries lathe's own tests use (`test/arbitraries/`) are not exported.
 */
export { modelsEqual } from '../ir/text/equal.js';
export { printModel } from '../ir/text/print.js';
export { parseModel } from '../ir/text/parse.js';
export { verify } from '../ir/verify/verify.js';

/**
 * `lathe/testing`: helpers for people who write and test passes. Property-test arbitraries arrive
 * with the pass framework; for now: structural model equality and the text form.
 */
export { modelsEqual } from '../ir/text/equal.js';
export { printModel } from '../ir/text/print.js';
export { parseModel } from '../ir/text/parse.js';
export { verify } from '../ir/verify/verify.js';

/**
 * `lathe/testing` under Node: the platform-neutral toolkit (src/testing.ts) plus the
 * onnxruntime oracle, registered so `checkPassAsync(pass, { oracle: 'onnxruntime' })` works.
 */
import { registerOracle } from '../src/testing/oracle.js';
import { onnxruntimeOracle } from './ort-oracle.js';

export * from '../src/testing.js';
export { onnxruntimeOracle, type OrtLoader } from './ort-oracle.js';

registerOracle('onnxruntime', () => onnxruntimeOracle());

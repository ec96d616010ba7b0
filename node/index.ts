/** lathe for Node: the platform-neutral API plus files (lazy external data, atomic streaming saves). */
export * from '../src/index.js';
export { loadModel, saveModel } from './io.js';
/** Every pass lathe ships, by pipeline name: the registry `parsePipeline` takes. */
export { passes } from '../passes/index.js';
/** `optimize()` with the passes above as its default registry (shadows the platform-neutral one). */
export { optimize, quantize } from '../passes/library.js';

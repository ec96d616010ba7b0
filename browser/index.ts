/**
 * lathe for browsers and Web Workers (the package's `browser` export condition): the
 * platform-neutral API, every pass lathe ships as `passes`, and `optimize()`/`quantize()` with
 * those passes as their default registry, as in Node. Models come in and go out as bytes
 * (`loadModelFromBytes`, `saveModelToBytes`); nothing here touches `node:` modules.
 */
export * from '../src/index.js';
/** Every pass lathe ships, by pipeline name: the registry `parsePipeline` takes. */
export { passes } from '../passes/index.js';
/** `optimize()` and `quantize()` with the passes above as their default registry (shadowing the bare ones). */
export { optimize, quantize } from '../passes/library.js';

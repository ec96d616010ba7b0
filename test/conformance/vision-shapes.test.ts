/**
 * Ratchet for symbolic image sizes: the corpus vision classifiers with symbolic H and W are shaped
 * completely (every node output), and their logits stay [batch,1000]. Figures in INFER.md.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir } from '../../bench/corpus.js';
import { loadModel } from '../../node/io.js';
import { measureVision, VISION_MODELS } from './vision-shapes.js';

describe('vision skeletons with symbolic H and W', () => {
  for (const f of VISION_MODELS) {
    it(f, () => {
      const r = measureVision(loadModel(join(corpusDir, f)));
      if (f.startsWith('ssdlite')) {
        // Resizes to a fixed size inside; only the data-dependent NMS tail stays partly unknown.
        expect(r.complete).toBeGreaterThanOrEqual(3568);
      } else {
        expect(r.complete).toBe(r.outputs);
        expect(r.graphOutputs).toEqual(['[batch,1000]']);
      }
    });
  }
});

/** Without lathe/testing's Node entry, 'onnxruntime' names no oracle: a clear error, not a crash. */
import { expect, test } from 'vitest';
import type { Model } from '../../ir/types.js';
import { checkPassAsync } from '../../src/testing.js';

test("oracle: 'onnxruntime' from the platform-neutral entry says where it lives", async () => {
  await expect(checkPassAsync((m: Model) => m, { oracle: 'onnxruntime', runs: 1 })).rejects.toThrow(/'onnxruntime' is not available here: import checkPassAsync from 'lathe\/testing' under Node/);
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `import … from 'lathe'` in tests (test/outside) means the package entry, as for a user.
  resolve: { alias: [{ find: /^lathe$/, replacement: fileURLToPath(new URL('./node/index.ts', import.meta.url)) }] },
  test: {
    include: ['ir/**/*.test.ts', 'src/**/*.test.ts', 'passes/**/*.test.ts', 'node/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});

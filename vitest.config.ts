import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['ir/**/*.test.ts', 'src/**/*.test.ts', 'passes/**/*.test.ts', 'node/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});

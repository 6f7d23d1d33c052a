import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup-env.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: ONNX Runtime and TF.js each want a whole core; more workers only thrash.
    maxWorkers: 2,
    pool: 'forks',
  },
});

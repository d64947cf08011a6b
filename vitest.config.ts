import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The reliability suite's figures (a table at the end; test/reliability/RESULTS.md).
    reporters: ['default', './test/reliability/reporter.ts'],
    // Suites that start the simulator lab are I/O bound; two cores are enough.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});

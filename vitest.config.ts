import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['exporter/src/**/*.test.ts', 'test/**/*.test.ts'],
    // One PostgreSQL primary + standby and one Redis for the whole run (test/harness).
    globalSetup: ['test/harness/globalSetup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});

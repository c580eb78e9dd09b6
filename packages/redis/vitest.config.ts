import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The slow failover runs: `pnpm test:soak` (vitest.soak.config.ts).
    exclude: ['src/**/*.soak.test.ts'],
    // Starts a private 3-master Redis Cluster for the Cluster tests, and stops it afterwards.
    globalSetup: ['src/testing/cluster-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});

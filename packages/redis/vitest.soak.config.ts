import { defineConfig } from 'vitest/config';

// `pnpm --filter @cloakroom/session-redis test:soak`: the slow failover runs (a Sentinel failover under
// load). Bounded: each test carries its own timeout.
export default defineConfig({
  test: {
    include: ['src/**/*.soak.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});

import { defineConfig } from 'vitest/config';
import { alias } from './vitest.shared.ts';

// `pnpm test:soak`: long but bounded runs (each test carries its own timeout; the whole suite stays
// under 10 minutes on 2 cores). One file at a time, so their timings do not disturb each other.
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['src/**/*.soak.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    pool: 'forks',
  },
});

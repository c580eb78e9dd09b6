import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts real demo processes (and one starts Chromium): two files at a time on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});

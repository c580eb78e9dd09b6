import { defineConfig } from 'vitest/config';

// Older peer versions than the newest the workspace installs: `pnpm test:soak`, not CI.
export default defineConfig({
  test: {
    include: ['src/**/*.soak.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

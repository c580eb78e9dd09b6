import { defineConfig } from 'vitest/config';

// The smoke test starts dist/server.js as real processes: build first (turbo's `test` depends on `^build`,
// so `pnpm --filter <demo> build test` or the root `pnpm test`).
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});

import { defineConfig } from 'vitest/config';

// The smoke test starts server.ts over the production build as real processes: build first
// (`pnpm --filter next-demo build`; turbo's `test` depends on it).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 90_000 },
});

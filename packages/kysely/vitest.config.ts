import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One database server per dialect is shared by every file: run files one after another.
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, fileParallelism: false },
});

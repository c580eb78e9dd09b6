import { defineConfig } from 'vitest/config';
import { alias } from './vitest.shared.ts';

// `pnpm test`: the fast cases (a few thousand requests at most). The long ones are *.soak.test.ts, run
// by `pnpm test:soak` (vitest.soak.config.ts).
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.soak.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files start real servers and demo processes: two at a time on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});

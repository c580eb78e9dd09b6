import { defineConfig } from 'tsdown';

// Neutral: the adapter uses web-standard APIs only, so one build serves Node, Bun, Deno and Workers.
export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
});

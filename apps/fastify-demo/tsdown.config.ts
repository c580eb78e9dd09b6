import { defineConfig } from 'tsdown';

// One runnable file, dist/server.js (`pnpm start`); dependencies stay external, resolved from node_modules.
export default defineConfig({
  entry: ['src/server.ts'],
  format: 'esm',
  platform: 'node',
  fixedExtension: false,
  dts: false,
  sourcemap: true,
  clean: true,
});

import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  // platform 'node' would otherwise emit .mjs/.d.mts; package.json points at .js/.d.ts.
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

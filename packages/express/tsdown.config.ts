import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/compat.ts'],
  format: 'esm',
  platform: 'node',
  // `.js` and `.d.ts`, as package.json's exports name them (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

import { defineConfig } from 'tsdown';

export default defineConfig({
  // `./gate` is loadable without vitest: the demos' scenario routes import it at run time.
  entry: ['src/index.ts', 'src/gate.ts'],
  format: 'esm',
  platform: 'node',
  // `.js` and `.d.ts`, as package.json's exports name them (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

import { defineConfig } from 'tsdown';

export default defineConfig({
  // `./kit` and `./gate` load without vitest: app processes (the demos' scenario routes, the Next.js
  // test app, the benchmark servers) import them at run time.
  entry: ['src/index.ts', 'src/kit.ts', 'src/gate.ts'],
  format: 'esm',
  platform: 'node',
  // `.js` and `.d.ts`, as package.json's exports name them (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

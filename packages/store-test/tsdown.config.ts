import { defineConfig } from 'tsdown';

export default defineConfig({
  // The child is a program of its own: describeUpdateRace() spawns it from dist.
  entry: ['src/index.ts', 'src/update-race-child.ts'],
  format: 'esm',
  platform: 'node',
  // `.js` and `.d.ts`, as package.json's exports name them (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

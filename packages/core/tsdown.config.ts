import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/index.node.ts'],
  format: 'esm',
  platform: 'neutral',
  // node:crypto is reached only through the `node` export condition.
  deps: { neverBundle: [/^node:/] },
  dts: true,
  sourcemap: true,
  clean: true,
});

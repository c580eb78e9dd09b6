import { defineConfig } from 'tsdown';

export default defineConfig({
  // `./node`: the Node response holder for Node-only adapters; the main entry never touches a response.
  entry: ['src/index.ts', 'src/index.node.ts', 'src/node.ts'],
  format: 'esm',
  platform: 'neutral',
  // node:crypto is reached only through the `node` export condition.
  deps: { neverBundle: [/^node:/] },
  dts: true,
  sourcemap: true,
  clean: true,
});

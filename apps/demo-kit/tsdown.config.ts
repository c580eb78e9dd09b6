import { defineConfig } from 'tsdown';

export default defineConfig({
  // index: what the demos import; testing: start a built demo, a cookie-jar client, the shared-session
  // check (scripts/demo.mjs --check, apps/e2e); smoke: the vitest suite every demo runs.
  entry: ['src/index.ts', 'src/testing.ts', 'src/smoke.ts'],
  format: 'esm',
  platform: 'node',
  // `.js` and `.d.ts`, as package.json's exports say (tsdown's node platform defaults to `.mjs`).
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});

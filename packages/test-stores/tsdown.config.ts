import { defineConfig } from 'tsdown';

// Built like the packages (`.js` and `.d.ts`), so the Next.js test app can import it as well as vitest.
export default defineConfig({ entry: 'src/index.ts', platform: 'node', fixedExtension: false, dts: true });

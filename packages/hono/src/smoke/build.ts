// Bundles the smoke app into one self-contained ES module (no imports left), for the runtimes.
import { join } from 'node:path';
import { build } from 'tsdown';

export async function bundleSmokeApp(outDir: string): Promise<string> {
  await build({
    config: false,
    entry: { app: join(import.meta.dirname, 'app.ts') },
    outDir,
    format: 'esm',
    // Neutral: core resolves to its web-standard default build, never its `node` condition.
    platform: 'neutral',
    dts: false,
    sourcemap: false,
    clean: false,
    fixedExtension: true,
    deps: { alwaysBundle: [/./] },
    logLevel: 'warn',
  });
  return join(outDir, 'app.mjs');
}

// Bundles an app for the runtimes into one self-contained ES module (no imports left): the smoke app
// (store-backed and sealed), or the test-only scenario app with its control routes.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'tsdown';

const require = createRequire(import.meta.url);

/**
 * The scenario app imports the adapter-test kit, whose entries also hold Node-only launchers (and
 * vitest): the bundle takes the few web-standard modules it uses from the kit's sources instead.
 */
function kitForTheEdge(): {
  name: string;
  resolveId(id: string): string | { id: string; external: true; moduleSideEffects: false } | null;
  load(id: string): string | null;
} {
  const VIRTUAL = '\0cloakroom-edge-kit';
  const src = join(dirname(require.resolve('@cloakroom/session-adapter-test/package.json')), 'src');
  return {
    name: 'cloakroom-edge-kit',
    resolveId(id) {
      if (id === '@cloakroom/session-adapter-test' || id === '@cloakroom/session-adapter-test/kit')
        return VIRTUAL;
      // gate.ts also starts the (Node) gate server the app never uses: its Node imports are dropped
      // as unused, and the test asserts that none is left.
      if (id.startsWith('node:')) return { id, external: true, moduleSideEffects: false };
      return null;
    },
    load: (id) =>
      id === VIRTUAL
        ? [
            `export { holdAtGate } from ${JSON.stringify(join(src, 'gate.ts'))};`,
            `export { countingStore } from ${JSON.stringify(join(src, 'counting-store.ts'))};`,
            `export { scenarioManagerOptions, scenarioOptions } from ${JSON.stringify(join(src, 'options.ts'))};`,
            `export { controlRoutes } from ${JSON.stringify(join(src, 'remote-hooks.ts'))};`,
          ].join('\n')
        : null,
  };
}

async function bundle(name: string, source: string, outDir: string): Promise<string> {
  await build({
    config: false,
    entry: { [name]: join(import.meta.dirname, source) },
    outDir,
    format: 'esm',
    // Neutral: core resolves to its web-standard default build, never its `node` condition.
    platform: 'neutral',
    dts: false,
    sourcemap: false,
    clean: false,
    fixedExtension: true,
    deps: { alwaysBundle: [/./] },
    plugins: [kitForTheEdge()],
    logLevel: 'warn',
  });
  return join(outDir, `${name}.mjs`);
}

/** The smoke app (sign-in, read back), as `app.mjs` in `outDir`. */
export function bundleSmokeApp(outDir: string): Promise<string> {
  return bundle('app', 'app.ts', outDir);
}

/**
 * The test-only scenario app with its control routes, as `scenario-app.mjs` (memory store) or
 * `sealed-scenario-app.mjs` (sealed cookies) in `outDir`.
 */
export function bundleScenarioApp(outDir: string, mode: 'memory' | 'sealed'): Promise<string> {
  const name = mode === 'memory' ? 'scenario-app' : 'sealed-scenario-app';
  return bundle(name, `${name}.ts`, outDir);
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One demo app of issue 8: a workspace package in `apps/<name>` with `build` and `start` scripts. */
export interface Demo {
  /** Package and folder name, e.g. `express-demo`. */
  readonly name: string;
  /** Framework name the page shows in its title (`Cloakroom demo · <framework>`). */
  readonly framework: string;
  /**
   * Where the demo serves the shared scenario app's routes (packages/adapter-test README), e.g.
   * `/__scenarios`, when started with `DEMO_SCENARIO_ROUTES=1`. Every demo serves them.
   */
  readonly scenarioPrefix: string;
  /**
   * Where the page's forms post: urlencoded to the JSON API routes with a `_csrf` field (answered
   * `303 /`), or to Server Actions (Next), which only the browser can drive.
   * @default 'api'
   */
  readonly forms?: 'api' | 'server-actions';
  /** The demo's folder. @default `apps/<name>` (or `$E2E_DEMOS_DIR/<name>`) */
  readonly dir?: string;
}

/**
 * Every demo the suite covers, in one place. A demo that does not run here is reported with the
 * reason (see {@link whyNotRun}); adding one is a line here and its `workspace:*` devDependency in this
 * package's package.json (so turbo's `^build` builds it before `test`).
 */
export const DEMOS: readonly Demo[] = [
  { name: 'express-demo', framework: 'Express', scenarioPrefix: '/__scenarios' },
  { name: 'koa-demo', framework: 'Koa', scenarioPrefix: '/__scenarios' },
  { name: 'hono-demo', framework: 'Hono', scenarioPrefix: '/__scenarios' },
  { name: 'nest-demo', framework: 'NestJS', scenarioPrefix: '/__scenarios' },
  { name: 'next-demo', framework: 'Next.js', forms: 'server-actions', scenarioPrefix: '/__scenarios' },
  { name: 'fastify-demo', framework: 'Fastify', scenarioPrefix: '/__scenarios' },
];

/** The repository's `apps/` folder. */
export const APPS_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// E2E_DEMOS_DIR runs the suite against demo folders elsewhere (another checkout, a stand-in).
const DEMO_DIR: string = process.env.E2E_DEMOS_DIR ?? APPS_DIR;

/** The folder of a demo. */
export function demoDir(demo: Demo): string {
  return demo.dir ?? join(DEMO_DIR, demo.name);
}

/**
 * Why a demo of the list does not run here, or `null` when it does. A demo runs when its folder is in
 * this checkout and it is a devDependency of this package (without that, turbo would not build it
 * first, and the suite would test a stale or missing build).
 */
export function whyNotRun(demo: Demo): string | null {
  if (!existsSync(join(demoDir(demo), 'package.json')))
    return `apps/${demo.name} is not in this checkout yet`;
  if (!declaredDemoDependencies().includes(demo.name)) {
    return `apps/${demo.name} is not a devDependency of e2e yet (add "${demo.name}": "workspace:*" to apps/e2e/package.json)`;
  }
  return null;
}

/** The demos that run here. */
export function presentDemos(): Demo[] {
  return DEMOS.filter((demo) => whyNotRun(demo) === null);
}

/** This package's workspace devDependencies (the demos turbo builds before the tests). */
export function declaredDemoDependencies(): string[] {
  const manifest = JSON.parse(readFileSync(join(APPS_DIR, 'e2e/package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  return Object.keys(manifest.devDependencies ?? {}).filter((name) =>
    DEMOS.some((demo) => demo.name === name),
  );
}

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function run(what: string, command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) {
    throw new Error(`${what} failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * Builds the package (the test app imports it as published, from dist/) and then the test app, once per
 * run (`next build`, offline, well under a minute).
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsdown = fileURLToPath(new URL('../../../node_modules/tsdown/dist/run.mjs', import.meta.url));
  run('tsdown (the package build)', process.execPath, [tsdown], root);
  const next = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));
  run(
    'next build of the test app',
    process.execPath,
    [next, 'build'],
    fileURLToPath(new URL('../test-app/', import.meta.url)),
  );
}

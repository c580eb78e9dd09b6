import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the test app once per run (`next build`, offline, a few tens of seconds). */
export default function setup(): void {
  const cwd = fileURLToPath(new URL('../test-app/', import.meta.url));
  const next = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));
  const result = spawnSync(process.execPath, [next, 'build'], {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `next build of the test app failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

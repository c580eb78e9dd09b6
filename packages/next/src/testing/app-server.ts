import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, type ScenarioClock, type StoreCallCounts } from '@cloakroom/session-adapter-test';
import type { AnySessionStore, SessionWrite, StoredSession } from '@cloakroom/session-core';

/** A `next start` of the built test app on a free loopback port. */
export interface AppServer {
  readonly baseUrl: string;
  /** Everything the server printed so far. */
  output(): string;
  close(): Promise<void>;
}

/** Starts the app (built by global-setup.ts) with `env` on top of the test hooks switch. */
export async function startApp(env: Record<string, string> = {}): Promise<AppServer> {
  const cwd = fileURLToPath(new URL('../../test-app/', import.meta.url));
  const next = fileURLToPath(new URL('../../node_modules/next/dist/bin/next', import.meta.url));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [next, 'start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd,
      env: {
        ...process.env,
        ...env,
        CLOAKROOM_TEST_HOOKS: '1',
        NEXT_TELEMETRY_DISABLED: '1',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Never outlive the test run, even when it is interrupted.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/none`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`next start did not answer within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    output: () => output,
    async close() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function hook<T>(baseUrl: string, op: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/test-hooks/${op}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (response.status !== 200)
    throw new Error(`test hook ${op} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The apps' frozen clock, mirrored here so `now()` can stay synchronous. Starts at the real time; every
 * instance given (an app and its peer) moves together.
 */
export async function appClock(...baseUrls: string[]): Promise<ScenarioClock> {
  let current = Date.now();
  const tell = (): Promise<unknown> =>
    Promise.all(baseUrls.map((baseUrl) => hook(baseUrl, 'clock', { now: current })));
  await tell();
  return {
    now: () => current,
    advance: async (ms: number) => {
      current += ms;
      await tell();
    },
  };
}

/** Store calls the app made since the last reset. */
export async function storeCalls(baseUrl: string): Promise<StoreCallCounts> {
  // The test app counts with the kit's countingStore: its calls() is already a StoreCallCounts.
  return hook<StoreCallCounts>(baseUrl, 'calls');
}

export async function resetStoreCalls(baseUrl: string): Promise<void> {
  await hook(baseUrl, 'reset-calls', {});
}

/** Session errors the app reported to onError since the last reset. */
export async function reported(baseUrl: string): Promise<string[]> {
  return (await hook<{ reported: string[] }>(baseUrl, 'reported')).reported;
}

/** The app's very store, reached through its test hook (the app runs in another process). */
export function remoteStore(baseUrl: string): AnySessionStore {
  const call = async <T>(method: string, args: unknown[]): Promise<T> =>
    (await hook<{ result: T }>(baseUrl, 'store', { method, args })).result;
  return {
    get: (key: string) => call<StoredSession | null>('get', [key]),
    create: (key: string, write: SessionWrite) => call<string | null>('create', [key, write]),
    set: (key: string, write: SessionWrite) => call<string>('set', [key, write]),
    touch: (key: string, expiresAt: number) => call<boolean>('touch', [key, expiresAt]),
    delete: (key: string) => call<void>('delete', [key]),
  };
}

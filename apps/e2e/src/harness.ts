import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePort } from '@cloakroom/session-adapter-test';
import { type Demo, demoDir } from './demos.ts';

/** Environment a demo honours (issue 8); every value is a string, as in `process.env`. */
export interface DemoEnv {
  readonly SESSION_STORE?: 'sqlite' | 'memory' | 'redis' | 'memcached' | 'postgres' | 'mysql';
  /** A fresh random secret unless given; `undefined` leaves it unset (the demo then refuses to start). */
  readonly SESSION_SECRET?: string | undefined;
  /** `1` lets a demo without `SESSION_SECRET` start on the published development secret. Unset unless given. */
  readonly DEMO_INSECURE_DEV_SECRET?: string;
  readonly SESSION_SQLITE_FILE?: string;
  readonly REDIS_URL?: string;
  readonly MEMCACHED_URL?: string;
  readonly PG_URL?: string;
  readonly MYSQL_URL?: string;
  readonly SESSION_IDLE_TIMEOUT?: string;
  readonly SESSION_ABSOLUTE_TIMEOUT?: string;
  /** `false` unless given (the demos answer plain HTTP here); `undefined` leaves it unset (Secure). */
  readonly SESSION_COOKIE_SECURE?: string | undefined;
  /** `1` asks a demo to serve the shared scenario app's routes under its `scenarioPrefix` (see demos.ts). */
  readonly DEMO_SCENARIO_ROUTES?: string;
}

/** How a demo process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when it ignored SIGTERM and had to be killed. */
  readonly forced: boolean;
}

/** A demo running as its own process group. */
export interface RunningDemo {
  readonly demo: Demo;
  readonly baseUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** SIGTERM to the process group; SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<Exit>;
}

const READY = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;
const running = new Set<ChildProcess>();

// A test process that dies must not leave demos behind holding ports.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh signing secret for one run (the demos refuse nothing shorter than 32 bytes). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A temporary folder, removed by the returned `remove`. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `cloakroom-e2e-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The command the demo's `start` script runs. @throws Error when the demo has none */
export function startScript(demo: Demo): string {
  const manifest = JSON.parse(readFileSync(join(demoDir(demo), 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = manifest.scripts?.start;
  if (script === undefined) throw new Error(`e2e: ${demo.name}/package.json has no "start" script`);
  return script;
}

function childEnv(port: number, env: DemoEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // vitest's own variables (NODE_ENV=test, VITEST_*) are the runner's, not the demo's.
    if (name === 'NODE_ENV' || name.startsWith('VITEST') || name.startsWith('SESSION_')) continue;
    if (name === 'DEMO_INSECURE_DEV_SECRET') continue;
    result[name] = value;
  }
  const merged: Record<string, string | undefined> = {
    ...result,
    NODE_ENV: 'production',
    PORT: String(port),
    SESSION_SECRET: randomSecret(),
    SESSION_COOKIE_SECURE: 'false',
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

/**
 * Starts a demo from its built output as a real process: runs its `start` script in its folder (as
 * `pnpm start` would, without pnpm's start-up time) in a process group of its own, on a spare port, and
 * resolves once it prints `listening on http://127.0.0.1:<port>`.
 * @throws Error quoting the demo's output when it exits or stays silent past `timeoutMs`
 */
export async function startDemo(demo: Demo, env: DemoEnv = {}, timeoutMs = 30_000): Promise<RunningDemo> {
  // The spare port is free when picked, but another process may take it before the demo binds it:
  // then the demo fails with EADDRINUSE and gets one more port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(demo, env, timeoutMs, await freePort());
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(demo: Demo, env: DemoEnv, timeoutMs: number, port: number): Promise<RunningDemo> {
  const dir = demoDir(demo);
  const script = startScript(demo);
  const processEnv = childEnv(port, env);
  // The demo's own bins, then the Node running these tests (`node` in a start script is that one).
  processEnv.PATH = [join(dir, 'node_modules/.bin'), dirname(process.execPath), process.env.PATH ?? ''].join(
    delimiter,
  );
  // A plain command replaces the shell (`exec`), so the child is the demo itself and its exit status is
  // the demo's; a compound script keeps its shell. Either way the group is what stop() waits for.
  const command = /[;&|]/.test(script) ? script : `exec ${script}`;
  const child = spawn('sh', ['-c', command], {
    cwd: dir,
    env: processEnv,
    detached: true, // its own process group: stop() signals the demo and everything it started
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let stopping: Promise<Exit> | undefined;
  const stop = (graceMs = 5_000): Promise<Exit> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return { code: child.exitCode, signal: child.signalCode, forced: false };
      }
      killGroup(child, 'SIGTERM');
      // Done when every process of the group is gone, not just the first one (a shell, a wrapper).
      const deadline = Date.now() + graceMs;
      while (groupAlive(child) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const forced = groupAlive(child);
      if (forced) killGroup(child, 'SIGKILL');
      return { ...(await exited), forced };
    })();
    return stopping;
  };

  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    void exited.then(({ code, signal }) => {
      const message =
        `e2e: ${demo.name} exited (${signal ?? `code ${code}`}) before it was ready. ` +
        `Is it built? (pnpm --filter ${demo.name} build)\n--- its output ---\n${output}`;
      reject(
        /EADDRINUSE|address already in use|port \d+ is (?:already )?in use/i.test(output)
          ? new PortTaken(message)
          : new Error(message),
      );
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `e2e: ${demo.name} did not print "listening on http://127.0.0.1:${port}" within ${timeoutMs} ms\n--- its output ---\n${output}`,
          ),
        ),
      timeoutMs,
    );
  });
  let baseUrl: string;
  try {
    baseUrl = await Promise.race([ready, timeout]);
  } catch (error) {
    await stop(1_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (baseUrl !== `http://127.0.0.1:${port}`) {
    await stop(1_000);
    throw new Error(`e2e: ${demo.name} was given PORT=${port} but says it listens on ${baseUrl}`);
  }
  return { demo, baseUrl, port, pid: child.pid!, output: () => output, stop };
}

/** Resolves when `host:port` accepts a TCP connection, else rejects naming the server and its variable. */
export async function requireServer(label: string, variable: string, url: string): Promise<void> {
  const { hostname, port } = new URL(url.includes('://') ? url : `tcp://${url}`);
  await new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new Error(
          `e2e: ${label} is not reachable at ${url} (${reason}). Start it (.ci/services.sh) or point ${variable} at one.`,
        ),
      );
    };
    socket.setTimeout(2_000, () => fail('timed out'));
    socket.once('error', (error) => fail(error.message));
    socket.connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => {
      socket.end();
      resolve();
    });
  });
}

/** The Redis the demos should use: `REDIS_URL`, checked reachable. */
export async function redisUrl(): Promise<string> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  await requireServer('Redis', 'REDIS_URL', url);
  return url;
}

/** The Chromium the browser tests drive (Debian's package, installed by .ci/services.sh). */
export const CHROMIUM: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The Chromium binary. @throws Error saying how to install it when it is missing */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `e2e: Chromium is missing at ${CHROMIUM}. Install it with .ci/services.sh (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  return CHROMIUM;
}

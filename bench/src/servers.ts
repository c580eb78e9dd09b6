/** Starts variant servers as their own processes, pinned to one core, and creates their sessions. */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVERS = fileURLToPath(new URL('../servers/', import.meta.url));

export interface RunningServer {
  readonly id: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What the server wrote to stderr (the last few kilobytes). */
  readonly errors: () => string;
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time a process has used so far (user + system, all threads), in milliseconds, from /proc; null
 * where /proc is not there. Resolution: one clock tick (10 ms on Linux).
 */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), starting with field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Whether `taskset` can pin processes here. */
export function canPin(): boolean {
  return spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of a process to `core`; threads it starts later inherit the pinning. */
export function pin(pid: number, core: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' }).status === 0;
}

/** One random secret per run, given to every server: none starts on the fallback printed in its source. */
const RUN_SECRET = process.env.BENCH_SECRET || randomBytes(32).toString('base64url');

/**
 * Starts `servers/<id>.ts` on a free loopback port and waits for its `ready <port>` line, then pins all
 * its threads to `core` (unless null). Start-up runs unpinned, so servers of a group start side by side.
 * @throws Error naming the server and quoting its stderr when it exits or is not ready in time
 */
export function startServer(
  id: string,
  options: {
    core: number | null;
    env: Record<string, string>;
    timeoutMs?: number;
    /** Extra Node options before the script (e.g. `--cpu-prof`). */
    nodeArgs?: readonly string[];
    /** The folder of the server files. @default this bench's servers/ */
    serversDir?: string;
  },
): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), `${options.serversDir ?? SERVERS}${id}.ts`],
    {
      env: { ...process.env, BENCH_SECRET: RUN_SECRET, ...options.env, PORT: '0', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const errors = (): string => stderr.trim();
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${id}: not ready within ${options.timeoutMs ?? 20_000} ms. ${errors()}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${id}: exited (${signal ?? code}) before it was ready. ${errors()}`));
    });
    const onData = (chunk: string): void => {
      stdout += chunk;
      const match = /ready (\d+)/.exec(stdout);
      if (match) {
        child.stdout!.off('data', onData);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const server = { id, port: Number(match[1]), child, errors };
        if (options.core !== null && !pin(child.pid!, options.core)) {
          child.kill('SIGKILL');
          reject(new Error(`${id}: taskset could not pin it to core ${options.core}`));
        } else resolve(server);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
  });
}

/** Hits and misses of the verified-cookie cache of a server's Cloakroom session manager(s). */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
}

/**
 * Asks a server for its verified-cookie cache counters (SIGUSR2; servers/common.ts answers with a
 * `stats {json}` line on stdout). Resolves null when the server has no Cloakroom manager or does not
 * answer within a second.
 */
export function cacheStats(server: RunningServer): Promise<CacheStats | null> {
  const stdout = server.child.stdout!;
  return new Promise((resolve) => {
    let buffer = '';
    const done = (value: CacheStats | null): void => {
      clearTimeout(timer);
      stdout.off('data', onData);
      resolve(value);
    };
    const onData = (chunk: string): void => {
      buffer += chunk;
      const match = /stats (\{[^\n]*\})\n/.exec(buffer);
      if (!match) return;
      const parsed = JSON.parse(match[1]!) as { hits: number; misses: number; managers: number };
      done(parsed.managers === 0 ? null : { hits: parsed.hits, misses: parsed.misses });
    };
    const timer = setTimeout(() => done(null), 1000);
    stdout.on('data', onData);
    server.child.kill('SIGUSR2');
  });
}

/** Stops a server with SIGTERM (it closes its clients), then SIGKILL after two seconds. */
export async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => server.child.kill('SIGKILL'), 2000);
    server.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

/**
 * Turns a response's `Set-Cookie` headers into the `Cookie` header a browser would send back: for a name
 * set twice the last one wins, and an empty value (a deletion) is dropped.
 */
export function cookieHeader(setCookies: readonly string[]): string {
  const jar = new Map<string, string>();
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0]!.trim();
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals);
    jar.delete(name);
    if (equals < pair.length - 1) jar.set(name, pair);
  }
  return [...jar.values()].join('; ');
}

/**
 * Creates `count` sessions by calling `/write` without a cookie, `concurrency` at a time.
 * @returns the `Cookie` header of each session
 * @throws Error when a response fails or sets no cookie
 */
export async function createSessions(port: number, count: number, concurrency = 16): Promise<string[]> {
  const cookies: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const response = await fetch(`http://127.0.0.1:${port}/write`);
      await response.text();
      const cookie = cookieHeader(response.headers.getSetCookie());
      if (response.status !== 200 || cookie === '') {
        throw new Error(`/write answered ${response.status} with no session cookie`);
      }
      cookies.push(cookie);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return cookies;
}

/** GETs a route with a cookie and returns the status and body. */
export async function get(
  port: number,
  route: string,
  cookie?: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, cookie ? { headers: { cookie } } : {});
  return { status: response.status, body: await response.text() };
}

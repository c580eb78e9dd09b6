/**
 * Test support: private redis-server processes on spare loopback ports, started from the `redis-server`
 * binary. Never imported by the package itself.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether a loopback port can be bound right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Finds a spare port whose `+ 10000` neighbour is spare too (a cluster node's bus port).
 * @param avoid - ports already handed out in this run.
 */
export async function sparePort(avoid: readonly number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (avoid.includes(port)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('No spare loopback port found for a private redis-server');
}

/** Resolves once the server at `port` answers PING, or rejects after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** Kills `child` if the test process exits first (a crash, a timeout), so no server outlives the run. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/** A private redis-server process. */
export interface PrivateRedis {
  readonly port: number;
  readonly process: ChildProcess;
  /** Kills the process (SIGKILL, no save) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` on `port` with no persistence, and waits until it answers.
 * @param extra - further `--name value` arguments, such as the cluster settings.
 */
export async function startRedis(
  port: number,
  dir: string,
  extra: readonly string[] = [],
): Promise<PrivateRedis> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  try {
    await waitForPing(port);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Could not start redis-server on port ${port} (is the redis-server binary installed?)`, {
      cause: error,
    });
  }
  return {
    port,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs redis-cli with the given arguments and returns its output. */
export async function redisCli(args: readonly string[]): Promise<string> {
  const { stdout } = await run('redis-cli', [...args]);
  return stdout;
}

/** A private redis-server in a temp dir of its own, with a client the README's options configure. */
export interface PrivateServer {
  readonly port: number;
  readonly server: PrivateRedis;
  readonly url: string;
  /** Kills the server and removes its dir. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a spare loopback port, in a temp dir of its own.
 * @param extra - further `--name value` arguments, such as `--maxmemory 2mb`.
 */
export async function startPrivateRedis(
  label: string,
  extra: readonly string[] = [],
): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), `cloakroom-redis-${label}-`));
  try {
    const port = await sparePort();
    const server = await startRedis(port, dir, extra);
    return {
      port,
      server,
      url: `redis://127.0.0.1:${port}`,
      async stop() {
        await server.kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

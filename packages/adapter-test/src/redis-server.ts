import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The `redis-server` binary. @default process.env.REDIS_SERVER_BIN, else 'redis-server' on PATH */
  readonly binary?: string | undefined;
  /** Loopback port. @default a free port the OS picks */
  readonly port?: number | undefined;
  /** How long to wait for the server to answer PING, in milliseconds. @default 5_000 */
  readonly startTimeout?: number | undefined;
}

/** A private, throw-away `redis-server` (no RDB, no AOF) a test can stop and restart. */
export interface RedisServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Whether the server is running. */
  readonly running: boolean;
  /** Stops the server (its data is gone: nothing is persisted). Resolves once the process exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port. Resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Starts a private `redis-server` on a loopback port, with `--save ''` and `--appendonly no`, for
 * tests that take the store down (`stop()`) and bring it back (`start()`). It never touches the
 * machine's own Redis. The process is killed when the test process exits.
 * @throws Error naming the binary when `redis-server` cannot be started or does not answer in time
 * @example
 * const redis = await startRedisServer();
 * const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
 * await redis.stop(); // the store is down
 * await redis.start(); // and back, empty
 * await redis.close();
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const startTimeout = options.startTimeout ?? 5_000;
  let child: ChildProcess | null = null;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (child !== null) return;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn(binary, [...args, '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let failure: Error | null = null;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.once('error', (error) => {
      failure = new Error(
        `startRedisServer: could not run ${JSON.stringify(binary)} (${error.message}); install redis-server or set REDIS_SERVER_BIN.`,
      );
    });
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + startTimeout;
    while (Date.now() < deadline) {
      if (failure !== null) throw failure;
      if (child !== proc)
        throw new Error(`startRedisServer: ${binary} exited on port ${port}: ${stderr.trim()}`);
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(
      `startRedisServer: ${binary} did not answer PING on port ${port} within ${startTimeout} ms.`,
    );
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc === null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    stop,
    start,
    close: async () => {
      await stop();
      process.removeListener('exit', killOnExit);
    },
  };
}

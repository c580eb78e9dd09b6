// One launcher for the private servers the kit starts (redis-server, memcached): a child process on a
// free loopback port, waited for until it answers, stoppable and restartable on the same port, and
// killed when the test process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from './ports.ts';

/** A private server process on a loopback port that a test can stop and start again. */
export interface PrivateServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Where clients connect: `redis://127.0.0.1:<port>`, `127.0.0.1:<port>`. */
  readonly url: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops the server (nothing is persisted: its data is gone). Resolves once the process exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port. Resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

/** How to run one kind of server. */
export interface ServerSpec {
  /** The function name errors are prefixed with (`startRedisServer`). */
  readonly caller: string;
  readonly binary: string;
  /** What to tell the user when the binary is missing. */
  readonly hint: string;
  readonly args: (port: number) => readonly string[];
  /** The address clients use. */
  readonly url: (port: number) => string;
  /** Whether the server at `port` answers yet. */
  readonly ready: (port: number) => Promise<boolean>;
  readonly port?: number | undefined;
  readonly startTimeout?: number | undefined;
}

/** Starts `spec` on a free port (or `spec.port`) and resolves once it answers. */
export async function startPrivateServer(spec: ServerSpec): Promise<PrivateServer> {
  const { caller, binary } = spec;
  const port = spec.port ?? (await freePort());
  const startTimeout = spec.startTimeout ?? 5_000;
  let child: ChildProcess | null = null;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (child !== null) return;
    const proc = spawn(binary, [...spec.args(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let failure: Error | null = null;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.once('error', (error) => {
      failure = new Error(
        `${caller}: could not run ${JSON.stringify(binary)} (${error.message}); ${spec.hint}.`,
      );
    });
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + startTimeout;
    while (Date.now() < deadline) {
      if (failure !== null) throw failure;
      if (child !== proc) throw new Error(`${caller}: ${binary} exited on port ${port}: ${stderr.trim()}`);
      if (await spec.ready(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(
      `${caller}: ${binary} did not answer on port ${port} within ${startTimeout} ms: ${stderr.trim()}`,
    );
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc === null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  };

  try {
    await start();
  } catch (error) {
    process.removeListener('exit', killOnExit);
    throw error;
  }
  return {
    port,
    url: spec.url(port),
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

/** Sends `command` on a fresh loopback connection and resolves whether the first reply line passes `ok`. */
export function probe(port: number, command: string, ok: (line: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(command));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const end = reply.indexOf('\r\n');
      if (end !== -1) done(ok(reply.slice(0, end)));
    });
  });
}

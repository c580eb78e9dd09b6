import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

/** Test helpers: private memcached processes on spare loopback ports, and raw protocol probes. */

const HOST = '127.0.0.1';

/** A free loopback port, found by letting the kernel pick one. */
export async function sparePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function split(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/**
 * Sends raw protocol lines and resolves with what the server answered once `done` says the answer is
 * complete. Used to look at the server's own view (CAS tokens, remaining TTLs), not through the store.
 */
export async function raw(
  address: string,
  command: string,
  done: (answer: string) => boolean,
): Promise<string> {
  const { host, port } = split(address);
  const socket = createConnection({ host, port });
  socket.setTimeout(2000);
  let answer = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.on('connect', () => socket.write(command));
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
        if (done(answer)) resolve(answer);
      });
      socket.on('timeout', () => reject(new Error(`memcached ${address}: no answer to ${command.trim()}`)));
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`memcached ${address}: closed`)));
    });
  } finally {
    socket.destroy();
  }
}

/** Whether a memcached answers at `address`. */
export async function isMemcached(address: string): Promise<boolean> {
  try {
    return (await raw(address, 'version\r\n', (answer) => answer.endsWith('\r\n'))).startsWith('VERSION ');
  } catch {
    return false;
  }
}

/**
 * The remaining TTL in seconds the server reports for `key` through the meta protocol (`mg <key> t`,
 * memcached 1.6), `-1` for an item that never expires, or `null` when the key is missing.
 */
export async function serverTtl(address: string, key: string): Promise<number | null> {
  const answer = await raw(address, `mg ${key} t\r\n`, (text) => text.endsWith('\r\n'));
  if (answer.startsWith('EN')) return null;
  const match = /^HD.* t(-?\d+)/.exec(answer);
  if (match === null) throw new Error(`unexpected mg answer: ${answer.trim()}`);
  return Number(match[1]);
}

/** The raw `gets` of one key: its CAS token and value, or null. */
export async function serverGets(
  address: string,
  key: string,
): Promise<{ cas: string; value: string } | null> {
  const answer = await raw(address, `gets ${key}\r\n`, (text) => text.endsWith('END\r\n'));
  const match = /^VALUE \S+ \d+ \d+ (\d+)\r\n([\s\S]*)\r\nEND\r\n$/.exec(answer);
  return match === null ? null : { cas: match[1]!, value: match[2]! };
}

/** A memcached process this test run started and owns. */
export interface PrivateMemcached {
  readonly address: string;
  readonly port: number;
  /** Stops the process (SIGTERM) and waits for it to exit; its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * Starts `memcached -l 127.0.0.1 -p <port> -U 0 -m 64` (plus `extraArgs`) and waits until it answers.
 * @throws when the binary is missing, with what to install.
 */
export async function startMemcached(
  options: { port?: number; extraArgs?: string[] } = {},
): Promise<PrivateMemcached> {
  const port = options.port ?? (await sparePort());
  const address = `${HOST}:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ['-l', HOST, '-p', String(port), '-U', '0', '-m', '64', ...(options.extraArgs ?? [])];
    // memcached refuses to run as root without -u.
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const spawned = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    spawned.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      spawned.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? new Error(
                'memcached binary not found: install the Debian package `memcached` (.ci/run does), or set MEMCACHED_URL to a running server',
              )
            : error,
        );
      });
      spawned.once('exit', (code) =>
        reject(new Error(`memcached on ${address} exited with ${code}: ${stderr.trim()}`)),
      );
    });
    child = spawned;
    const deadline = Date.now() + 5000;
    const ready = (async () => {
      while (!(await isMemcached(address))) {
        if (Date.now() > deadline) throw new Error(`memcached on ${address} did not start within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    await Promise.race([ready, failed]);
    failed.catch(() => {});
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return { address, port, start, stop };
}

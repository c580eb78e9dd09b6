// A private memcached for the run when none listens at MEMCACHED_URL (nothing does by default here).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { listening } from './servers.ts';

/** A memcached this run started; `stop()` ends it. */
export interface PrivateMemcached {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  stop(): Promise<void>;
}

/** A port the kernel just handed out on loopback (free a moment ago). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no spare port');
  return address.port;
}

/**
 * Starts `memcached` (the binary on PATH, or `MEMCACHED_BIN`) on a spare loopback port, 64 MB, no UDP.
 * @throws Error naming the binary when it does not start or listen within 5 s.
 */
export async function startPrivateMemcached(): Promise<PrivateMemcached> {
  const binary = process.env.MEMCACHED_BIN ?? 'memcached';
  const port = await sparePort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-c', '4096'];
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Never outlive the test run, even when it ends without its teardown (a crash, a kill).
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stderr = '';
  let failure: Error | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.once('error', (error) => {
    failure = new Error(`could not run ${binary} (${error.message}): install memcached or set MEMCACHED_BIN`);
  });
  const deadline = Date.now() + 5_000;
  while (!(await listening({ host: '127.0.0.1', port }, 200))) {
    if (failure) throw failure;
    if (child.exitCode !== null) throw new Error(`${binary} exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${binary} did not listen on 127.0.0.1:${port} within 5 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// Where the real servers are, read from the environment with the machine's defaults, and a clear
// failure naming the server and the variable when one does not answer (never a silent skip).
import { connect } from 'node:net';

/** The machine's Redis (`REDIS_URL`). */
export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The machine's PostgreSQL (`PG_URL`). */
export const PG_URL: string = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The machine's MariaDB (`MYSQL_URL`). */
export const MYSQL_URL: string = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Host and port of a URL (`redis://…`, `postgres://…`) or of a bare `host:port`. */
export function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  if (!address.includes('://')) {
    const at = address.lastIndexOf(':');
    return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
  }
  const url = new URL(address);
  return { host: url.hostname, port: url.port === '' ? defaultPort : Number(url.port) };
}

/** Whether something accepts TCP connections at `host:port` within `timeoutMs`. */
export function listening(target: { host: string; port: number }, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Fails with a message naming the server and its variable when nothing listens there.
 * @throws Error `<server> is unreachable at <address> (<variable>): start it or point <variable> at one.`
 */
export async function requireServer(
  name: string,
  variable: string,
  address: string,
  defaultPort: number,
): Promise<void> {
  if (!(await listening(hostPort(address, defaultPort)))) {
    throw new Error(
      `${name} is unreachable at ${address} (${variable}): start it or point ${variable} at a running one.`,
    );
  }
}

// Helpers for adapters' own tests: a real HTTP server per app, a real memory store behind a switch that
// makes it fail like an unreachable backend, and the cookie pair of a response.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';

/** A listening server and how to stop it. */
export interface Running {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The same as `url` (what {@link StartApp} instances call it). */
  readonly baseUrl: string;
  /** The port (for raw sockets). */
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `handler` on an ephemeral loopback port. */
export async function listen(handler: Parameters<typeof createServer>[1]): Promise<Running> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A store whose calls are recorded and that fails every call while `down` is true. */
export interface ProbeStore {
  readonly store: AnySessionStore;
  readonly calls: string[];
  down: boolean;
}

/** The memory store behind a switch that makes every call fail like a client whose server is gone. */
export function probeStore(): ProbeStore {
  const inner = memoryStore({ warn: false, sweepInterval: 0 });
  const probe: ProbeStore = { store: inner, calls: [], down: false };
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      probe.calls.push(name);
      if (probe.down)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
      return fn(...args);
    };
  (probe as { store: AnySessionStore }).store = {
    get: wrap('get', (key) => inner.get(key)),
    create: wrap('create', (key, write) => inner.create(key, write)),
    set: wrap('set', (key, write) => inner.set(key, write)),
    touch: wrap('touch', (key, expiresAt) => inner.touch(key, expiresAt)),
    delete: wrap('delete', (key) => inner.delete(key)),
    compareAndSet: wrap('compareAndSet', (key, version, write) => inner.compareAndSet(key, version, write)),
    listByUser: wrap('listByUser', (user) => inner.listByUser(user)),
  };
  return probe;
}

/** The `name=value` pair of the first Set-Cookie of a response, ready for a `Cookie` header. */
export function cookieOf(response: Response): string {
  const [first] = response.headers.getSetCookie();
  if (first === undefined) throw new Error(`expected a Set-Cookie header (status ${response.status})`);
  return first.split(';', 1)[0]!;
}

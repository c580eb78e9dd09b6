import type { AddressInfo } from 'node:net';
import type { SessionManagerOptions } from '@cloakroom/session-core';
import { type DemoConfig, loadConfig } from './config.ts';
import { createDemoStore, type DemoStore } from './stores.ts';

/** What every demo starts from: its configuration, its store, and the session options built from both. */
export interface DemoSetup {
  readonly config: DemoConfig;
  readonly store: DemoStore;
  /** Options for the adapter's `session()`: store, secret, timeouts, cookie security. */
  readonly sessionOptions: SessionManagerOptions;
}

/** The part of a Node server {@link serveUntilSignal} uses (`http.Server`, `@hono/node-server`'s server). */
export interface ListeningServer {
  readonly listening: boolean;
  address(): AddressInfo | string | null;
  close(callback?: (error?: Error) => void): unknown;
  once(event: 'listening', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The session options of a demo: its store and secret, the idle and absolute timeouts, and Secure
 * cookies unless `SESSION_COOKIE_SECURE=false` (the cookie is then called `session` instead of
 * `__Host-session`, and works over plain `http://localhost`).
 * @example
 * app.use(session(demoSessionOptions(config, store)));
 */
export function demoSessionOptions(config: DemoConfig, store: DemoStore): SessionManagerOptions {
  return {
    store: store.store,
    secret: config.secret,
    idleTimeout: config.idleTimeout,
    absoluteTimeout: config.absoluteTimeout,
    cookie: { secure: config.cookieSecure },
  };
}

/**
 * Reads the configuration from the environment and opens the store it names.
 * @param defaultPort the port when `PORT` is unset. @default 3000
 * @throws Error for an invalid variable; the client's error when a SQL server is unreachable.
 * @example
 * const { config, store, sessionOptions } = await setUpDemo();
 */
export async function setUpDemo(
  env: NodeJS.ProcessEnv = process.env,
  defaultPort = 3000,
): Promise<DemoSetup> {
  const config = loadConfig(env, defaultPort);
  const store = await createDemoStore(config);
  return { config, store, sessionOptions: demoSessionOptions(config, store) };
}

/**
 * Prints `listening on http://<host>:<port>` once the server listens (the line scripts and tests wait
 * for; with `PORT=0` it carries the port picked), and on SIGTERM or SIGINT stops accepting connections,
 * lets requests in flight finish, then runs `close` (the session manager, then the store and its clients),
 * so the process exits by itself. A shutdown that hangs for 10 s exits with status 1, and so does a server
 * that cannot listen (the port is taken), after one line that says why.
 * @example
 * serveUntilSignal(app.listen(config.port, config.host), async () => {
 *   await sessions.manager.close();
 *   await store.close();
 * });
 */
export function serveUntilSignal(server: ListeningServer, close: () => Promise<void>): void {
  const announce = (): void => {
    const address = server.address();
    if (address === null || typeof address === 'string') {
      console.log(`listening on ${address}`);
      return;
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    console.log(`listening on http://${host}:${address.port}`);
  };
  if (server.listening) announce();
  else server.once('listening', announce);
  server.once('error', (error) => {
    // EADDRINUSE and the like: one clear line, not a stack trace.
    console.error(`demo: cannot listen: ${error.message}`);
    void close().finally(() => process.exit(1));
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`demo: ${signal}, closing`);
    const force = setTimeout(() => {
      console.error('demo: shutdown took more than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    server.close(() => {
      close().then(
        () => {
          clearTimeout(force);
          console.log('demo: closed');
        },
        (error: unknown) => {
          clearTimeout(force);
          console.error('demo: closing the store failed', error);
          process.exitCode = 1;
        },
      );
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// The gate: a test hook that orders two requests by events, never by sleeping. A scenario route with a
// `gate` URL loads its session, then calls the gate, which holds the call until the suite lets go; the
// suite meanwhile runs the request that must land in between (a sign-out racing a sign-in).
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One gate: a URL to hand to the app, and the two events around it. */
export interface Gate {
  /** A loopback URL; the app POSTs to it and waits for the answer. */
  readonly url: string;
  /** Resolves once the app has called the gate (its session is loaded). */
  readonly reached: Promise<void>;
  /** Lets the waiting app go on. */
  release(): void;
}

/** A loopback server handing out gates. */
export interface GateServer {
  open(): Gate;
  close(): Promise<void>;
}

/** Starts a gate server on an ephemeral loopback port. */
export async function startGateServer(): Promise<GateServer> {
  const waiting = new Map<string, { arrive: () => void; answer: (res: ServerResponse) => void }>();
  const server = createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    const gate = waiting.get(name);
    if (gate === undefined) {
      res.writeHead(404).end();
      return;
    }
    gate.answer(res);
    gate.arrive();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let count = 0;
  return {
    open(): Gate {
      const name = `gate-${++count}`;
      let arrive: () => void = () => {};
      const reached = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      let held: ServerResponse | undefined;
      let released = false;
      const answer = (res: ServerResponse): void => {
        if (released) res.writeHead(204).end();
        else held = res;
      };
      waiting.set(name, { arrive, answer });
      return {
        url: `http://127.0.0.1:${port}/${name}`,
        reached,
        release: () => {
          released = true;
          held?.writeHead(204).end();
          waiting.delete(name);
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * For scenario apps: the `gate` query parameter's hook. Without a gate it does nothing; with one (a
 * loopback URL only), it loads the session and waits at the gate until the suite lets go.
 * @throws Error for a gate that is not on loopback
 * @example
 * app.post('/regenerate', async (req, res) => {
 *   await holdAtGate(req.session, req.query.gate);
 *   req.session.regenerate();
 *   res.json({ ok: true });
 * });
 */
export async function holdAtGate(session: { exists(): Promise<boolean> }, gate: unknown): Promise<void> {
  if (typeof gate !== 'string' || gate === '') return;
  const url = new URL(gate);
  if (url.hostname !== '127.0.0.1') throw new Error('holdAtGate: the gate must be a 127.0.0.1 URL');
  await session.exists();
  await fetch(url, { method: 'POST' });
}

import { createServer, type RequestListener, type Server } from 'node:http';
import {
  type AnySessionStore,
  memoryStore,
  type Session,
  type SessionManager,
} from '@cloakroom/session-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type DemoData, login, logout, readState } from './actions.ts';
import { errorOutcome, perform } from './outcome.ts';
import { manager } from './test/visitor.ts';
import { checkSharedSession, DemoClient } from './testing.ts';

// A framework-free instance of the API's core routes (node:http over core's manager), enough for the check.
const ROUTES: Record<string, (session: Session<DemoData>, body: unknown) => Promise<unknown>> = {
  'GET /api/session': readState,
  'POST /api/count': async (session) => ({ count: await session.update('count', (n = 0) => n + 1) }),
  'POST /api/login': login,
  'POST /api/logout': logout,
};

function handler(sessions: SessionManager<DemoData>): RequestListener {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const handle = sessions.open({ cookie: req.headers.cookie, secure: false });
    const action = ROUTES[`${req.method} ${req.url}`];
    let outcome = action
      ? await perform(handle.session, req.headers['content-type'], () =>
          action(handle.session, text ? JSON.parse(text) : undefined),
        ).catch(errorOutcome)
      : { status: 404, body: { error: 'Not found.' } };
    try {
      const { setCookie, headers } = await handle.commit({ status: outcome.status });
      if (setCookie) res.setHeader('set-cookie', setCookie);
      for (const [name, value] of headers) res.appendHeader(name, value);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    res.statusCode = outcome.status;
    if (outcome.body === undefined) res.end();
    else res.setHeader('content-type', 'application/json').end(JSON.stringify(outcome.body));
  };
}

const servers: Server[] = [];

async function start(store: AnySessionStore): Promise<string> {
  const server = createServer(handler(manager(store)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('checkSharedSession()', () => {
  it('passes over instances that share one store', async () => {
    const store = memoryStore({ warn: false });
    const urls = [await start(store), await start(store), await start(store)];
    const lines = await checkSharedSession(urls);
    expect(lines).toEqual([
      `${urls[0]}: signed in as alice`,
      `${urls[0]}: user alice, count 1`,
      `${urls[1]}: user alice, count 2`,
      `${urls[2]}: user alice, count 3`,
      `${urls[2]}: signed out; ${urls[0]} no longer knows the old cookie`,
    ]);
  });

  it('fails, naming the instance, when instances keep separate sessions', async () => {
    const first = await start(memoryStore({ warn: false }));
    const second = await start(memoryStore({ warn: false }));
    await expect(checkSharedSession([first, second])).rejects.toThrow(`${second} sees {"user":null`);
  });

  it('fails when signing out on one instance leaves the session alive on another', async () => {
    const store = memoryStore({ warn: false });
    const first = await start(store);
    // An instance whose sign-out forgets to destroy: the record stays in the shared store.
    const serve = handler(manager(store));
    const careless = createServer((req, res) => {
      if (req.url !== '/api/logout') return serve(req, res);
      res.statusCode = 204;
      res.end();
    });
    servers.push(careless);
    await new Promise<void>((resolve) => careless.listen(0, '127.0.0.1', resolve));
    const second = `http://127.0.0.1:${(careless.address() as { port: number }).port}`;
    await expect(checkSharedSession([first, second])).rejects.toThrow(`${first} still sees`);
  });
});

describe('DemoClient', () => {
  it('keeps cookies across ports and drops expired ones', async () => {
    const store = memoryStore({ warn: false });
    const [a, b] = [await start(store), await start(store)];
    const client = new DemoClient();
    await client.json(`${a}/api/count`, 'POST');
    expect(client.cookieHeader).toMatch(/^session=[\w-]+\.[\w-]+$/);
    expect((await client.json(`${b}/api/count`, 'POST')).body).toEqual({ count: 2 });
    expect((await client.json(`${b}/api/logout`, 'POST')).status).toBe(204);
    expect(client.cookieHeader).toBe('');
  });
});

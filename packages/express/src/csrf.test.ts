// csrf() takes core's CSRF options: what the other adapters offer (requireToken) works on Express too,
// and a bad option fails when the middleware is built. session.test.ts and the shared scenarios cover
// the defaults, custom names, allowed origins and trusted proxies.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '@cloakroom/session-core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrf } from './csrf.ts';
import { session } from './session.ts';

let server: ReturnType<express.Express['listen']>;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(
    session({ store: memoryStore({ warn: false }), secret: 'express-csrf-test-secret-0123456789abcdef' }),
    express.json(),
    express.urlencoded({ extended: false }),
    csrf({ requireToken: 'all' }),
  );
  app.get('/token', (req, res, next) => {
    req.session.csrfToken().then((token) => res.json({ token }), next);
  });
  app.post('/submit', (_req, res) => {
    res.json({ ok: true });
  });
  app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.status ?? 500).end();
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

describe("csrf({ requireToken: 'all' })", () => {
  it('asks the token of a same-origin JSON post too, in the header or the body field', async () => {
    const page = await fetch(`${url}/token`);
    // A visitor's token rides in the one cookie set, the signed `-csrf` cookie.
    const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
    const { token } = (await page.json()) as { token: string };
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/submit`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post({ value: 1 })).status).toBe(403);
    expect((await post({ value: 1 }, { 'x-csrf-token': token })).status).toBe(200);
    expect((await post({ value: 1, _csrf: token })).status).toBe(200);
    expect((await post({ value: 1, _csrf: [token] })).status, 'only a string is a token').toBe(403);
  });
});

describe('csrf() options', () => {
  it('refuses a bad option when the middleware is built, naming it', () => {
    expect(() => csrf({ bodyLimit: 1.5 })).toThrow(
      expect.objectContaining({
        code: 'SESSION_CONFIG',
        message: expect.stringMatching(/^@cloakroom\/session-express: csrf\(\): .*bodyLimit/),
      }),
    );
  });
});

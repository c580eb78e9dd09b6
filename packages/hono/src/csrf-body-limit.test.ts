// csrf() reads the token field itself, from a clone and up to core's bodyLimit: the handler still gets the
// whole body, and a longer body is refused unless the header carries the token.
import { memoryStore } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { csrf } from './csrf.ts';
import { type SessionEnv, session } from './session.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function start(bodyLimit: number) {
  const app = new Hono<SessionEnv>();
  app.use(session({ store: memoryStore({ warn: false }), secret: 'hono-csrf-body-limit-0123456789abcdef' }));
  app.use(csrf({ bodyLimit }));
  app.get('/token', async (c) => c.json({ token: await c.get('session').csrfToken() }));
  app.post('/submit', async (c) => c.json(await c.req.parseBody()));
  const page = await app.request('https://app.test/token');
  // A visitor's token rides in the one cookie set, the signed `-csrf` cookie.
  const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
  const { token } = (await page.json()) as { token: string };
  const post = (body: string, headers: Record<string, string> = {}) =>
    app.request('https://app.test/submit', {
      method: 'POST',
      headers: { ...FORM, cookie, ...headers },
      body,
    });
  return { token, post };
}

describe('csrf({ bodyLimit })', () => {
  it('finds the field in a body within the limit and leaves the whole body to the handler', async () => {
    const { token, post } = await start(200);
    const response = await post(`_csrf=${encodeURIComponent(token)}&title=hi`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ _csrf: token, title: 'hi' });
  });

  it('does not read a longer body: refused, unless the header carries the token', async () => {
    const { token, post } = await start(200);
    const long = `_csrf=${encodeURIComponent(token)}&pad=${'x'.repeat(300)}`;
    expect((await post(long)).status).toBe(403);
    const viaHeader = await post(long, { 'x-csrf-token': token });
    expect(viaHeader.status).toBe(200);
    expect(((await viaHeader.json()) as { pad: string }).pad).toHaveLength(300);
  });
});

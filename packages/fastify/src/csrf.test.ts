import { cookieOf } from '@cloakroom/session-adapter-test';
import formbody from '@fastify/formbody';
import { afterEach, describe, expect, it } from 'vitest';
import { csrf } from './csrf.ts';
import { session } from './session.ts';
import { app, closeApps, listen, options } from './testing/test-support.ts';

afterEach(closeApps);

describe('csrf()', () => {
  async function formApp(parser: 'formbody' | 'string' | 'buffer'): Promise<string> {
    const fastify = app();
    await fastify.register(session, options());
    if (parser === 'formbody') await fastify.register(formbody);
    else {
      fastify.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: parser },
        (_r, body, done) => done(null, body),
      );
    }
    fastify.addHook('preHandler', csrf());
    fastify.get('/token', async (request) => ({ token: await request.session.csrfToken() }));
    fastify.post('/form', async () => ({ ok: true }));
    return listen(fastify);
  }

  it.each([
    ['@fastify/formbody', 'formbody'],
    ['a string parser, without @fastify/formbody', 'string'],
    ['a buffer parser, without @fastify/formbody', 'buffer'],
  ] as const)('reads the _csrf field of a urlencoded body parsed by %s', async (_name, parser) => {
    const url = await formApp(parser);
    const issued = await fetch(`${url}/token`);
    const { token } = (await issued.json()) as { token: string };
    const post = (body: string) =>
      fetch(`${url}/form`, {
        method: 'POST',
        headers: {
          cookie: cookieOf(issued),
          origin: url,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    expect((await post(`_csrf=${encodeURIComponent(token)}&value=1`)).status).toBe(200);
    expect((await post('value=1')).status).toBe(403);
    expect((await post(`_csrf=${encodeURIComponent(`${token}x`)}&value=1`)).status).toBe(403);
  });

  it('refuses a foreign origin before any body is read, and takes the token from the header', async () => {
    const url = await formApp('formbody');
    const issued = await fetch(`${url}/token`);
    const { token } = (await issued.json()) as { token: string };
    const headers = { cookie: cookieOf(issued), 'content-type': 'application/x-www-form-urlencoded' };
    const foreign = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
      body: `_csrf=${encodeURIComponent(token)}`,
    });
    expect(foreign.status).toBe(403);
    const viaHeader = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { ...headers, origin: url, 'x-csrf-token': token },
      body: 'value=1',
    });
    expect(viaHeader.status).toBe(200);
  });

  it('refuses bad options at once and answers 500 when the session plugin is missing', async () => {
    expect(() => csrf({ requireToken: 'some' as 'all' })).toThrow(/@cloakroom\/session-fastify: csrf\(\)/);
    const fastify = app();
    fastify.addHook('preHandler', csrf());
    fastify.post('/form', async () => ({ ok: true }));
    const url = await listen(fastify);
    const response = await fetch(`${url}/form`, { method: 'POST' });
    expect(response.status).toBe(500);
  });
});

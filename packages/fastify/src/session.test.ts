import { Readable } from 'node:stream';
import { cookieOf, probeStore } from '@cloakroom/session-adapter-test';
import { createSessionManager } from '@cloakroom/session-core';
import cookiePlugin from '@fastify/cookie';
import { afterEach, describe, expect, it } from 'vitest';
import { session } from './session.ts';
import { app, closeApps, listen, options, SECRET } from './testing/test-support.ts';

afterEach(closeApps);

/** A module loaded by name, so its type augmentation of `FastifyRequest` stays out of this program. */
async function untyped(name: string): Promise<(...args: never[]) => unknown> {
  return ((await import(name)) as { default: (...args: never[]) => unknown }).default;
}

describe('registration', () => {
  it('covers routes registered in child scopes (fastify-plugin) and exposes the manager', async () => {
    const fastify = app();
    await fastify.register(session, options());
    await fastify.register(async (child) => {
      child.post('/child', async (request) => {
        request.session.set('where', 'child');
        return { ok: true };
      });
      child.get('/child', async (request) => ({ where: await request.session.get('where') }));
    });
    const url = await listen(fastify);
    expect(fastify.sessionManager.cookieName).toBe('session');
    const write = await fetch(`${url}/child`, { method: 'POST' });
    const read = await fetch(`${url}/child`, { headers: { cookie: cookieOf(write) } });
    expect(await read.json()).toEqual({ where: 'child' });
  });

  it('takes a ready manager, so two apps share one', async () => {
    const manager = createSessionManager(options());
    const [first, second] = [app(), app()];
    for (const fastify of [first, second]) {
      await fastify.register(session, { manager });
      fastify.post('/write', async (request) => {
        request.session.set('n', 1);
        return { ok: true };
      });
      fastify.get('/read', async (request) => ({ n: (await request.session.get('n')) ?? null }));
    }
    const [a, b] = [await listen(first), await listen(second)];
    expect(first.sessionManager).toBe(manager);
    const write = await fetch(`${a}/write`, { method: 'POST' });
    const read = await fetch(`${b}/read`, { headers: { cookie: cookieOf(write) } });
    expect(await read.json()).toEqual({ n: 1 });
  });

  it('refuses a second registration at boot', async () => {
    const fastify = app();
    fastify.register(session, options());
    fastify.register(session, options());
    await expect(fastify.ready()).rejects.toThrow(
      /@cloakroom\/session-fastify: the plugin is registered twice/,
    );
  });

  it('refuses a second registration in a child scope at boot', async () => {
    const fastify = app();
    fastify.register(session, options());
    fastify.register(async (child) => {
      await child.register(session, options());
    });
    await expect(fastify.ready()).rejects.toThrow(/registered twice/);
  });

  it('refuses to register beside @fastify/session, whichever comes first', async () => {
    const fastifySession = await untyped('@fastify/session');
    const other = { secret: SECRET, cookie: { secure: false } };
    const first = app();
    first.register(cookiePlugin);
    first.register(fastifySession as never, other);
    first.register(session, options());
    await expect(first.ready()).rejects.toThrow(/request\.session is already taken by another plugin/);
    const second = app();
    second.register(cookiePlugin);
    second.register(session, options());
    second.register(fastifySession as never, other);
    await expect(second.ready()).rejects.toThrow(/request\.session is already taken by another plugin/);
  });

  it('refuses invalid options at boot with what to change', async () => {
    const fastify = app();
    fastify.register(session, { ...options(), secret: 'short' });
    await expect(fastify.ready()).rejects.toThrow(/secret/);
  });
});

describe('request.session', () => {
  it('costs an untouched request nothing: no store call, no cookie, no caching headers', async () => {
    const probe = probeStore();
    const fastify = app();
    await fastify.register(session, options({ store: probe.store }));
    fastify.get('/none', async () => 'none');
    const url = await listen(fastify);
    const response = await fetch(`${url}/none`, { headers: { cookie: 'session=forged.value' } });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('vary')).toBeNull();
    expect(response.headers.get('cache-control')).toBeNull();
    expect(probe.calls).toEqual([]);
  });

  it.each([
    ['without @fastify/cookie', false],
    ['with @fastify/cookie', true],
  ])('works %s, keeping the cookies other code sets', async (_name, withCookie) => {
    const fastify = app();
    if (withCookie) await fastify.register(cookiePlugin);
    await fastify.register(session, options());
    fastify.post('/write', async (request, reply) => {
      request.session.set('n', 1);
      if (withCookie) reply.setCookie('theme', 'dark', { path: '/' });
      else reply.header('set-cookie', 'theme=dark; Path=/');
      return { ok: true };
    });
    fastify.get('/read', async (request) => ({ n: await request.session.get('n') }));
    const url = await listen(fastify);
    const write = await fetch(`${url}/write`, { method: 'POST' });
    const names = write.headers.getSetCookie().map((cookie) => cookie.split('=', 1)[0]);
    expect(names.sort()).toEqual(['session', 'theme']);
    const sessionCookie = write.headers.getSetCookie().find((cookie) => cookie.startsWith('session='))!;
    const read = await fetch(`${url}/read`, {
      headers: { cookie: `theme=dark; ${sessionCookie.split(';', 1)[0]}` },
    });
    expect(await read.json()).toEqual({ n: 1 });
  });

  it("commits a streamed reply before its head, and a hijacked one after the handler's save()", async () => {
    const fastify = app();
    await fastify.register(session, options());
    fastify.post('/stream', async (request, reply) => {
      request.session.set('via', 'stream');
      return reply.type('text/plain').send(Readable.from(['a', 'b']));
    });
    fastify.post('/hijack', async (request, reply) => {
      request.session.set('via', 'hijack');
      reply.hijack();
      if (request.headers['x-save'] === 'yes') await request.session.save();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.end('raw');
    });
    fastify.get('/via', async (request) => ({ via: (await request.session.get('via')) ?? null }));
    const url = await listen(fastify);

    const streamed = await fetch(`${url}/stream`, { method: 'POST' });
    expect(await streamed.text()).toBe('ab');
    const viaStream = await fetch(`${url}/via`, { headers: { cookie: cookieOf(streamed) } });
    expect(await viaStream.json()).toEqual({ via: 'stream' });

    const saved = await fetch(`${url}/hijack`, { method: 'POST', headers: { 'x-save': 'yes' } });
    expect(await saved.text()).toBe('raw');
    expect(saved.headers.get('cache-control')).toBe('private, no-store');
    const viaHijack = await fetch(`${url}/via`, { headers: { cookie: cookieOf(saved) } });
    expect(await viaHijack.json()).toEqual({ via: 'hijack' });

    // Without save() a hijacked reply carries no session: the documented rule, not a silent commit.
    const unsaved = await fetch(`${url}/hijack`, { method: 'POST' });
    expect(await unsaved.text()).toBe('raw');
    expect(unsaved.headers.getSetCookie()).toEqual([]);
  });

  it("marks the cookie Secure under secure: 'auto' only behind a trusted proxy that says https", async () => {
    const cookieFor = async (trustProxy: boolean): Promise<string> => {
      const fastify = app({ trustProxy });
      await fastify.register(session, options({ cookie: { secure: 'auto' } }));
      fastify.post('/write', async (request) => {
        request.session.set('n', 1);
        return { ok: true };
      });
      const url = await listen(fastify);
      const response = await fetch(`${url}/write`, {
        method: 'POST',
        headers: { 'x-forwarded-proto': 'https' },
      });
      return response.headers.getSetCookie()[0]!;
    };
    expect(await cookieFor(true)).toMatch(/; Secure/i);
    expect(await cookieFor(false)).not.toMatch(/; Secure/i);
  });
});

describe('errors', () => {
  it('saves the changes of a handler that fails with a 4xx, and none of one that fails with a 5xx', async () => {
    const fastify = app();
    await fastify.register(session, options());
    fastify.post('/fail', async (request) => {
      const status = Number((request.query as { status?: string }).status);
      request.session.set('n', status);
      throw Object.assign(new Error('refused'), { statusCode: status });
    });
    fastify.get('/read', async (request) => ({ n: (await request.session.get('n')) ?? null }));
    const url = await listen(fastify);
    const server = await fetch(`${url}/fail?status=500`, { method: 'POST' });
    expect(server.status).toBe(500);
    expect(server.headers.getSetCookie()).toEqual([]);
    const client = await fetch(`${url}/fail?status=422`, { method: 'POST' });
    expect(client.status).toBe(422);
    const read = await fetch(`${url}/read`, { headers: { cookie: cookieOf(client) } });
    expect(await read.json()).toEqual({ n: 422 });
  });

  it('answers 413 for a session grown past maxPayloadBytes, with no cookie', async () => {
    const fastify = app();
    await fastify.register(session, options({ maxPayloadBytes: 1024 }));
    fastify.post('/big', async (request) => {
      request.session.set('blob', 'x'.repeat(4096));
      return { ok: true };
    });
    const url = await listen(fastify);
    const response = await fetch(`${url}/big`, { method: 'POST' });
    expect(response.status).toBe(413);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("answers 503 through Fastify's default error handler for a store outage, at a read and at the commit, leaking nothing", async () => {
    const probe = probeStore();
    const fastify = app({ logger: false });
    await fastify.register(session, options({ store: probe.store, onEvent: () => undefined }));
    fastify.get('/read', async (request) => ({ n: (await request.session.get('n')) ?? null }));
    fastify.post('/write', async (request) => {
      request.session.set('n', 1);
      return { ok: true };
    });
    const url = await listen(fastify);
    const write = await fetch(`${url}/write`, { method: 'POST' });
    const cookie = cookieOf(write);
    probe.down = true;
    for (const response of [
      await fetch(`${url}/read`, { headers: { cookie } }),
      await fetch(`${url}/write`, { method: 'POST', headers: { cookie } }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.getSetCookie()).toEqual([]);
      const text = await response.text();
      expect(text).not.toMatch(/ECONNREFUSED|6379|at .*\.(ts|js)/);
      expect(JSON.parse(text)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    }
    probe.down = false;
    const again = await fetch(`${url}/read`, { headers: { cookie } });
    expect(await again.json()).toEqual({ n: 1 });
  });
});

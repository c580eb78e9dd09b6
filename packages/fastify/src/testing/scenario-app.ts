// Test support (not exported): the shared scenario app (@cloakroom/session-adapter-test's route
// contract), written the way a Fastify user would, with the session plugin, @fastify/formbody and csrf().
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { holdAtGate, type Running } from '@cloakroom/session-adapter-test';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { csrf } from '../csrf.ts';
import { type SessionOptions, session } from '../session.ts';

const query = (request: FastifyRequest, name: string): string =>
  String((request.query as Record<string, unknown>)[name] ?? '');

const body = (request: FastifyRequest): Record<string, unknown> =>
  (request.body ?? {}) as Record<string, unknown>;

/** The scenario app, registered and ready (every plugin loaded). */
export async function scenarioApp(options: SessionOptions): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(session, options);
  await app.register(formbody);
  app.addHook('preHandler', csrf());
  // Errors answer `err.statusCode ?? err.status ?? 500` as `{"error": "<status text>"}`, nothing else.
  app.setErrorHandler((error: { statusCode?: unknown; status?: unknown }, _request, reply) => {
    const wanted = typeof error.statusCode === 'number' ? error.statusCode : error.status;
    const status = typeof wanted === 'number' && STATUS_CODES[wanted] !== undefined ? wanted : 500;
    return reply.code(status).send({ error: STATUS_CODES[status] });
  });
  app.get('/none', async (_request, reply) => reply.type('text/plain').send('none'));
  app.get('/get', async (request) => {
    const s = request.session;
    return (await s.exists()) ? { value: await s.get(query(request, 'key')) } : { value: null };
  });
  app.post('/set', async (request) => {
    for (const [key, value] of Object.entries(body(request))) request.session.set(key, value);
    return { ok: true };
  });
  app.post('/increment', async (request) => ({
    value: await request.session.update(query(request, 'key'), (n) => Number(n ?? 0) + 1),
  }));
  app.post('/regenerate', async (request) => {
    await holdAtGate(request.session, (request.query as Record<string, unknown>).gate);
    request.session.regenerate();
    return { ok: true };
  });
  app.post('/destroy', async (request) => {
    request.session.destroy();
    return { ok: true };
  });
  app.post('/login', async (request) => {
    request.session.setUser(String(body(request).user));
    request.session.regenerate();
    return { ok: true };
  });
  app.get('/user', async (request) => ({ user: await request.session.getUser() }));
  app.post('/flash', async (request) => {
    request.session.flash('message', body(request).message);
    return { ok: true };
  });
  app.get('/flash', async (request) => ({ messages: await request.session.consumeFlash('message') }));
  app.get('/csrf-token', async (request) => ({ token: await request.session.csrfToken() }));
  app.post('/form', async (request) => {
    request.session.set('form', body(request).value);
    return { ok: true };
  });
  app.post('/write-redirect', async (request, reply) => {
    request.session.set(query(request, 'key'), query(request, 'value'));
    return reply.redirect(`/get?key=${encodeURIComponent(query(request, 'key'))}`, 302);
  });
  app.post('/stream', async (request, reply) => {
    request.session.set(query(request, 'key'), query(request, 'value'));
    return reply.type('text/plain').send(
      Readable.from(
        (async function* () {
          yield 'chunk-1\n';
          await new Promise((resolve) => setImmediate(resolve));
          yield 'chunk-2\n';
        })(),
      ),
    );
  });
  app.post('/fail', async (request) => {
    request.session.set(query(request, 'key'), query(request, 'value'));
    throw new Error('the handler failed after a write');
  });
  await app.ready();
  return app;
}

/** Serves a ready app on an ephemeral loopback port. */
export async function serve(app: FastifyInstance): Promise<Running> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, baseUrl: url, port: Number(new URL(url).port), close: () => app.close() };
}

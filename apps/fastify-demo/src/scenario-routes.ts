// The shared scenario app's routes (packages/adapter-test README), served under SCENARIO_PREFIX only
// with DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app:
// its session plugin, body parsers, csrf() hook and error handler. Not part of the demo itself.
import { Readable } from 'node:stream';
import type { Session } from '@cloakroom/session-core';
import { holdAtGate } from 'demo-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface Scenario {
  readonly query: Record<string, string | undefined>;
  readonly body: Record<string, unknown>;
  /** The session, for any key (the scenarios write keys the demo's data does not declare). */
  readonly session: Session<Record<string, unknown>>;
}

const scenario = (request: FastifyRequest): Scenario => ({
  query: request.query as Record<string, string | undefined>,
  body: (request.body ?? {}) as Record<string, unknown>,
  session: request.session as unknown as Session<Record<string, unknown>>,
});

/** The scenario routes, as a Fastify plugin (register it with a prefix). */
export async function scenarioRoutes(app: FastifyInstance): Promise<void> {
  app.get('/none', async (_request, to) => to.type('text/plain').send('none'));
  app.get('/get', async (request) => {
    const { session, query } = scenario(request);
    return (await session.exists()) ? { value: await session.get(query.key ?? '') } : { value: null };
  });
  app.post('/set', async (request) => {
    const { session, body } = scenario(request);
    for (const [name, value] of Object.entries(body)) session.set(name, value);
    return { ok: true };
  });
  app.post('/increment', async (request) => {
    const { session, query } = scenario(request);
    return { value: await session.update(query.key ?? '', (n) => Number(n ?? 0) + 1) };
  });
  app.post('/regenerate', async (request) => {
    const { session, query } = scenario(request);
    await holdAtGate(session, query.gate);
    session.regenerate();
    return { ok: true };
  });
  app.post('/destroy', async (request) => {
    scenario(request).session.destroy();
    return { ok: true };
  });
  app.post('/login', async (request) => {
    const { session, body } = scenario(request);
    session.setUser(String(body.user));
    session.regenerate();
    return { ok: true };
  });
  app.get('/user', async (request) => ({ user: await scenario(request).session.getUser() }));
  app.post('/flash', async (request) => {
    const { session, body } = scenario(request);
    session.flash('message', body.message);
    return { ok: true };
  });
  app.get('/flash', async (request) => ({
    messages: await scenario(request).session.consumeFlash('message'),
  }));
  app.get('/csrf-token', async (request) => ({ token: await scenario(request).session.csrfToken() }));
  app.post('/form', async (request) => {
    const { session, body } = scenario(request);
    session.set('form', body.value);
    return { ok: true };
  });
  app.post('/write-redirect', async (request, to) => {
    const { session, query } = scenario(request);
    session.set(query.key ?? '', query.value ?? '');
    // Relative to the prefix, as the suite's client resolves it.
    return to.redirect(`/get?key=${encodeURIComponent(query.key ?? '')}`, 302);
  });
  app.post('/stream', async (request, to) => {
    const { session, query } = scenario(request);
    session.set(query.key ?? '', query.value ?? '');
    async function* chunks(): AsyncGenerator<string> {
      yield 'chunk-1\n';
      await new Promise((resolve) => setImmediate(resolve));
      yield 'chunk-2\n';
    }
    return to.type('text/plain').send(Readable.from(chunks()));
  });
  app.post('/fail', async (request) => {
    const { session, query } = scenario(request);
    session.set(query.key ?? '', query.value ?? '');
    throw new Error('scenario failure after a write');
  });
}

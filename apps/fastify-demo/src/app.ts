import type { SessionManagerOptions } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-fastify';
import formbody from '@fastify/formbody';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  type DemoState,
  deviceOf,
  errorOutcome,
  FLASH_KEY,
  NOT_FOUND,
  noUserIndex,
  type Outcome,
  perform,
  renderPage,
  requireUser,
  SCENARIO_PREFIX,
  sessionList,
  unlisted,
} from 'demo-kit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { scenarioRoutes } from './scenario-routes.ts';

// Types request.session: request.session.get('cart') is a Promise<string[] | undefined>.
declare module '@cloakroom/session-core' {
  interface AppSession extends DemoData {}
}

function reply(to: FastifyReply, outcome: Outcome): FastifyReply {
  if (outcome.location !== undefined) return to.redirect(outcome.location, outcome.status);
  to.code(outcome.status);
  return outcome.body === undefined ? to.send() : to.send(outcome.body);
}

/** A POST handler: JSON in and out, or a page form answered with a redirect to / (errors flashed there). */
function action(run: (request: FastifyRequest) => Promise<unknown>) {
  return async (request: FastifyRequest, to: FastifyReply): Promise<FastifyReply> =>
    reply(to, await perform(request.session, request.headers['content-type'], () => run(request)));
}

// The page's and GET /api/session's state, read in one go; the flash is consumed (shown once).
async function stateOf(request: FastifyRequest): Promise<DemoState> {
  const { session: s } = request;
  const [user, count, cart, flash] = await Promise.all([
    s.getUser(),
    s.get('count'),
    s.get('cart'),
    s.consumeFlash(FLASH_KEY),
  ]);
  return { user, count: count ?? 0, cart: cart ?? [], flash: flash.map(String) };
}

/**
 * The demo app, registered and ready: the page, the JSON API and /healthz, with sessions in
 * `options.store`; with `scenarios`, also the shared scenario app's routes under SCENARIO_PREFIX (for
 * apps/e2e).
 */
export async function createApp(options: SessionManagerOptions, scenarios = false): Promise<FastifyInstance> {
  // Bodies (JSON and forms) up to 16 KiB, as in every demo.
  const app = Fastify({ bodyLimit: 16 * 1024 });
  // Set before any route or plugin: an awaited register() settles the routes declared before it with the
  // handlers in force then (with the scenario routes registered, the API's errors lost their JSON shape).
  app.setNotFoundHandler((_request, to) => reply(to, NOT_FOUND));
  // 503 for a store outage, 403 for CSRF, 413 for a body over the limit, 400 for malformed JSON.
  app.setErrorHandler((error, _request, to) => reply(to, errorOutcome(error)));
  await app.register(session, options);
  await app.register(formbody);
  app.addHook('preHandler', csrf()); // foreign Origin → 403; form posts need the _csrf field
  // "Last seen" in the session list is the stored expiry minus the idle timeout: no write per request.
  const idleTimeout = options.idleTimeout ?? 86_400;

  // Untouched by any handler, so no cookie and no store call.
  app.get('/healthz', async (_request, to) => to.type('text/plain').send('ok'));

  app.get('/', async (request, to) => {
    // csrfToken() creates the token on first use and saves it: the page sets the session cookie.
    const [state, csrfToken, device] = await Promise.all([
      stateOf(request),
      request.session.csrfToken(),
      request.session.get('device'),
    ]);
    const sessions = state.user === null ? null : await request.session.listSessions().catch(unlisted);
    return to
      .type('text/html; charset=utf-8')
      .send(renderPage(state, { framework: 'Fastify', csrfToken, sessions, device, idleTimeout }));
  });
  app.get('/api/session', stateOf);
  app.get('/api/sessions', async (request) => {
    requireUser(await request.session.getUser()); // 401 when signed out
    return sessionList(await request.session.listSessions().catch(noUserIndex)); // 501 without a user index
  });
  app.post(
    '/api/count',
    action(async (request) => ({ count: await request.session.update('count', (n = 0) => n + 1) })),
  );
  // update() re-runs appendItem's function on the latest cart when a parallel request added meanwhile.
  app.post(
    '/api/cart',
    action(async (request) => ({ cart: await request.session.update('cart', appendItem(request.body)) })),
  );
  app.post(
    '/api/login',
    action(async (request) => {
      const user = checkCredentials(request.body); // 401 for anyone else
      request.session.regenerate(); // a new id on every privilege change: the old cookie stops working
      request.session.setUser(user);
      request.session.set('device', deviceOf(request.headers['user-agent']));
      request.session.flash(FLASH_KEY, `Welcome, ${user}`);
      return { user };
    }),
  );
  app.post(
    '/api/logout',
    action(async (request) => request.session.destroy()),
  );
  app.post(
    '/api/sessions/revoke-others',
    action(async (request) => {
      requireUser(await request.session.getUser());
      return { revoked: await request.session.revokeOtherSessions().catch(noUserIndex) };
    }),
  );

  if (scenarios) await app.register(scenarioRoutes, { prefix: SCENARIO_PREFIX });
  await app.ready();
  return app;
}

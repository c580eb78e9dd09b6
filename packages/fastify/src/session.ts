import {
  type AppSessionData,
  applyToNodeResponse,
  type CommitResult,
  createSessionManager,
  ForwardingSession,
  type Session,
  SessionError,
  type SessionHandle,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import { commitOnSend, type HoldSource } from '@cloakroom/session-core/node';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

// `request.session` is typed by core's `AppSession`, declared once for every adapter:
// `declare module '@cloakroom/session-core' { interface AppSession { cart: string[] } }`.
declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, set by the `session` plugin from `@cloakroom/session-fastify`. */
    session: Session<AppSessionData>;
  }
  interface FastifyInstance {
    /** The manager behind the `session` plugin, for work outside a request (list or revoke a user's sessions). */
    readonly sessionManager: SessionManager<AppSessionData>;
  }
}

/**
 * Options of {@link session}: core's manager options (times in seconds), or `{ manager }`, a
 * `SessionManager` you built (to share one between apps, or to reach it before the app boots). With
 * `cookie: { secure: 'auto' }` a request counts as secure when Fastify's `request.protocol` is `https`,
 * which follows Fastify's `trustProxy` setting.
 */
export type SessionOptions = SessionManagerOptions | { readonly manager: SessionManager<AppSessionData> };

const PREFIX = '@cloakroom/session-fastify';

/**
 * The session handlers see: core's session, whose `save()` also puts the cookie on the raw response of
 * a hijacked reply (Fastify writes no head for it, so `onSend` never runs). It is also what `onSend`
 * commits (core's `HoldSource`), so a request costs one object beside core's handle.
 */
class FastifySession extends ForwardingSession<AppSessionData> implements HoldSource {
  readonly #handle: SessionHandle<AppSessionData>;
  readonly #reply: FastifyReply;
  /** Set once a commit failed: the error reply Fastify sends next carries no session work. */
  failed = false;

  constructor(handle: SessionHandle<AppSessionData>, reply: FastifyReply) {
    super(handle.session);
    this.#handle = handle;
    this.#reply = reply;
  }

  override async save(): Promise<void> {
    const raw = this.#reply.raw;
    const cookies = !raw.headersSent;
    const result = await this.#handle.commit({ cookies });
    // Not hijacked: onSend writes the latest commit's headers into the reply anyway.
    if (cookies && this.#reply.sent && !raw.headersSent) applyToNodeResponse(raw, result);
  }

  /** @internal Whether there is nothing to commit (the session was never touched). */
  get idle(): boolean {
    return this.#handle.idle;
  }

  /** @internal The commit `onSend` runs. */
  commit(status: number, cookies: boolean): Promise<CommitResult> {
    return this.#handle.commit({ status, cookies });
  }
}

/** Plugins that also own `request.session`. */
const OTHER_SESSION_PLUGINS = ['@fastify/session', '@fastify/secure-session'];

function taken(): SessionError {
  return new SessionError(
    'SESSION_CONFIG',
    `${PREFIX}: request.session is already taken by another plugin (@fastify/session or ` +
      '@fastify/secure-session?). Use one session plugin per app.',
  );
}

async function plugin(fastify: FastifyInstance, options: SessionOptions): Promise<void> {
  if (fastify.hasDecorator('sessionManager')) {
    throw new SessionError(
      'SESSION_CONFIG',
      `${PREFIX}: the plugin is registered twice. Register it once, at the root: it covers every route.`,
    );
  }
  if (fastify.hasRequestDecorator('session')) throw taken();
  const manager =
    'manager' in options && options.manager instanceof SessionManager
      ? options.manager
      : createSessionManager<AppSessionData>(options as SessionManagerOptions);
  fastify.decorate('sessionManager', manager);
  // `request.session` is not declared with decorateRequest: a session plugin registered after this one
  // would then fail inside its own registration, where Fastify cannot report it (an uncaught exception,
  // then a plugin timeout). Undeclared, it registers, and the check below fails the boot instead.
  fastify.addHook('onReady', async () => {
    if (OTHER_SESSION_PLUGINS.some((name) => fastify.hasPlugin(name))) throw taken();
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    const handle = manager.open({
      cookie: request.headers.cookie,
      secure: request.protocol === 'https',
      canSetCookie: true,
      // After the head, save() must not start a session whose cookie the client never gets.
      headersSent: () => raw.headersSent,
    });
    request.session = new FastifySession(handle, reply);
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const current = request.session;
    // No session (a request refused before onRequest ran), or a commit that already failed.
    if (!(current instanceof FastifySession) || current.failed) return done(null, payload);
    const pending = commitOnSend(current, reply);
    if (pending === undefined) return done(null, payload);
    pending.then(
      () => done(null, payload),
      (error: unknown) => {
        current.failed = true;
        // To Fastify's error handler: a SessionStoreError has `status` 503, an oversized session 413.
        done(
          error instanceof Error ? error : new SessionError('SESSION_USAGE', 'The session commit failed.'),
        );
      },
    );
  });
}

/**
 * Server-side sessions for Fastify 5, as a plugin. Register it once, at the root (it is wrapped with
 * `fastify-plugin`, so it covers every route); `request.session` is then the request's {@link Session}.
 * Nothing touches the store until a handler uses the session. The session is committed in `onSend`,
 * before Fastify writes the head, so the `Set-Cookie` is in the head and a client following a redirect
 * sees the write. A store failure reaches Fastify's error handler as a `SessionStoreError` with
 * `status` 503; a session grown past `maxPayloadBytes` as a `SessionError` with `status` 413.
 *
 * `reply.hijack()` skips `onSend`: a hijacked handler (one that writes to `reply.raw` itself) must
 * `await request.session.save()` before it writes the head; the cookie is then set on `reply.raw`. A
 * stream given to `reply.send()` is committed in `onSend` before its head like any payload; a change
 * made while it runs is saved only by a later `save()`, and fails with SESSION_COOKIE_READONLY when it
 * needs a new cookie.
 * @throws SessionError `SESSION_CONFIG` at boot for invalid options, a second registration, or another
 *   plugin that already decorates `request.session` (@fastify/session)
 * @example
 * import Fastify from 'fastify';
 * import { memoryStore } from '@cloakroom/session-core';
 * import { session } from '@cloakroom/session-fastify';
 *
 * const app = Fastify();
 * await app.register(session, { store: memoryStore(), secret: process.env.SESSION_SECRET! });
 * app.get('/', async (request) => {
 *   const visits = await request.session.update('visits', (n) => Number(n ?? 0) + 1);
 *   return { visits };
 * });
 */
export const session: FastifyPluginAsync<SessionOptions> = fp(plugin, {
  fastify: '5.x',
  name: PREFIX,
});

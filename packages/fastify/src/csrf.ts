import {
  type CsrfOptions,
  csrfAllows,
  isSafeMethod,
  parsedFormField,
  resolveCsrfOptions,
  SessionError,
} from '@cloakroom/session-core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Options of {@link csrf}: core's CSRF options, the same in every adapter. */
export type CsrfHookOptions = CsrfOptions;

/** What {@link csrf} returns: a Fastify `preHandler` hook. */
export type CsrfHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const PREFIX = '@cloakroom/session-fastify: csrf()';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The token field of the parsed body: an object (from `@fastify/formbody` or any parser that builds
 * one), or the raw text of a urlencoded body (a `parseAs: 'string'` or `'buffer'` parser) up to `limit`.
 */
function formField(request: FastifyRequest, field: string, limit: number): string | undefined {
  const body: unknown = request.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const type = (header(request, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return undefined;
    if (Buffer.byteLength(body) > limit) return undefined;
    return new URLSearchParams(body.toString()).get(field) ?? undefined;
  }
  return parsedFormField(body, field);
}

/**
 * A `preHandler` hook that refuses cross-site requests with a 403 (a `SessionError` with code
 * `SESSION_CSRF`, `status` 403, thrown to Fastify's error handler). Every unsafe request (not GET, HEAD,
 * OPTIONS, TRACE) must come from this origin (`Origin`, else `Sec-Fetch-Site`; the origin is Fastify's
 * `request.protocol` and `request.host`, which follow `trustProxy`) or one of `allowedOrigins`; form posts
 * (urlencoded, multipart, text/plain), or every unsafe request with `requireToken: 'all'`, must also
 * carry the session's token, from `await request.session.csrfToken()`, in the `_csrf` field or the
 * `x-csrf-token` header. The decision is core's `csrfAllows()`.
 *
 * The field is read from the parsed body: `@fastify/formbody`'s object, or the text of a urlencoded body
 * your own content-type parser keeps as a string or Buffer (up to `bodyLimit`). Fastify itself has no
 * urlencoded parser: without one it answers such a post 415 before this hook runs. A multipart form
 * sends the token in the header.
 * @throws SessionError `SESSION_CONFIG` at once for bad options; `SESSION_USAGE` (to the error handler)
 *   when the `session` plugin is not registered
 * @example
 * await app.register(session, { store, secret });
 * await app.register(formbody);
 * app.addHook('preHandler', csrf());
 */
export function csrf(options: CsrfHookOptions = {}): CsrfHook {
  const settings = resolveCsrfOptions(options, PREFIX);
  return async (request) => {
    const method = request.method;
    if (isSafeMethod(method)) return;
    const current = request.session as FastifyRequest['session'] | null;
    if (current === null || current === undefined) {
      throw new SessionError('SESSION_USAGE', `${PREFIX}: register the session plugin before this hook.`);
    }
    const view = {
      method,
      header: (name: string) => header(request, name),
      ownOrigin: `${request.protocol}://${request.host}`,
      formField: async () => formField(request, settings.field, settings.bodyLimit),
    };
    if (!(await csrfAllows(current, view, settings))) {
      throw new SessionError('SESSION_CSRF', 'Cross-site request refused.', { status: 403 });
    }
  };
}

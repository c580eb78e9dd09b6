import type { IncomingMessage } from 'node:http';
import {
  type CsrfOptions,
  csrfAllows,
  isSafeMethod,
  parsedFormField,
  resolveCsrfOptions,
  SessionError,
} from '@cloakroom/session-core';
import type { Middleware, ParameterizedContext } from 'koa';

/** Options of {@link csrf}: core's CSRF options, the same in every adapter. */
export type CsrfMiddlewareOptions = CsrfOptions;

/**
 * Koa middleware that refuses cross-site unsafe requests with 403: a foreign `Origin` (or a
 * `Sec-Fetch-Site` other than `same-origin`/`none`), and a form post (or, with `requireToken: 'all'`,
 * any unsafe request) without the session's token. Put it after `session()`. Render the token with
 * `await ctx.session.csrfToken()` into a hidden `_csrf` field, or send it in the `x-csrf-token` header.
 * The decision is core's `csrfAllows()`.
 *
 * The request's own origin is `ctx.protocol` and `ctx.host`, which follow `app.proxy` (X-Forwarded-Proto and
 * X-Forwarded-Host) like `ctx.secure` does.
 * Without a body parser before it, the middleware reads a urlencoded body itself (up to `bodyLimit`) and
 * leaves the parsed fields at `ctx.request.body` (body parsers such as `@koa/bodyparser` skip a body
 * already parsed). A multipart form needs a body parser before this middleware (or the header).
 *
 * @throws SessionError `SESSION_CONFIG` at once for bad options; `SESSION_CSRF` with status 403 (and
 *   `expose` true) into Koa's error flow.
 * @example
 * app.use(session({ store, secret }));
 * app.use(csrf({ allowedOrigins: ['https://admin.example.com'] }));
 */
export function csrf(options: CsrfMiddlewareOptions = {}): Middleware {
  const settings = resolveCsrfOptions(options, '@cloakroom/session-koa: csrf()');

  return async (ctx, next) => {
    if (isSafeMethod(ctx.method)) return next();
    if (ctx.session === undefined) {
      throw new SessionError('SESSION_USAGE', '@cloakroom/session-koa: csrf() must come after session().');
    }
    const view = {
      method: ctx.method,
      header: (name: string) => ctx.get(name),
      // Not `ctx.origin`: Koa 3 made it the request's Origin header; Koa 2 built it from protocol and host.
      ownOrigin: `${ctx.protocol}://${ctx.host}`,
      formField: () => bodyToken(ctx, settings.field, settings.bodyLimit),
    };
    if (!(await csrfAllows(ctx.session, view, settings))) {
      throw new SessionError('SESSION_CSRF', 'Forbidden: cross-site request refused.', { status: 403 });
    }
    return next();
  };
}

/** The token field of a form body: the one a body parser left, or a urlencoded body read here. */
async function bodyToken(
  ctx: ParameterizedContext,
  field: string,
  limit: number,
): Promise<string | undefined> {
  const request = ctx.request as { body?: unknown };
  if (request.body === undefined && ctx.is('application/x-www-form-urlencoded') !== false) {
    const text = await readBody(ctx.req, limit);
    // Past the limit the body is not parsed: no token, so the request is refused.
    if (text === null) return undefined;
    request.body = Object.fromEntries(new URLSearchParams(text));
  }
  return parsedFormField(request.body, field);
}

/**
 * The body as UTF-8, or null past `limit` bytes. Past the limit reading stops (the stream is paused, not
 * destroyed, so the 403 can still be written; Node discards the rest once the response ends).
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

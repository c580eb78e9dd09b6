import type { IncomingMessage } from 'node:http';
import { type CsrfOptions, isSafeMethod, SessionError, verifyCsrf } from '@cloakroom/session-core';
import type { Middleware, ParameterizedContext } from 'koa';

/** Options of {@link csrf}. */
export interface CsrfMiddlewareOptions extends CsrfOptions {
  /** Form field that carries the token. @default '_csrf' */
  field?: string;
  /** Request header that carries the token (for `fetch` and XHR). @default 'x-csrf-token' */
  header?: string;
  /**
   * Which unsafe requests must carry the session's token. `'forms'`: those with a content type an HTML
   * form can send cross-site (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`);
   * other requests are covered by the Origin check, since browsers preflight them. `'all'`: every unsafe
   * request.
   * @default 'forms'
   */
  requireToken?: 'forms' | 'all';
  /**
   * Largest urlencoded body, in bytes, that the middleware reads itself to find the token when no body
   * parser ran before it. The parsed fields are left at `ctx.request.body` for the handlers (body parsers
   * such as `@koa/bodyparser` skip a body already parsed). A longer body is not read, and the request is
   * refused for want of a token.
   * @default 65_536
   */
  bodyLimit?: number;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Koa middleware that refuses cross-site unsafe requests with 403: a foreign `Origin` (or a
 * `Sec-Fetch-Site` other than `same-origin`/`none`), and a form post without the session's token. Put it
 * after `session()`. Render the token with `await ctx.session.csrfToken()` into a hidden `_csrf` field,
 * or send it in the `x-csrf-token` header.
 *
 * The request's own origin is `ctx.protocol` and `ctx.host`, which follow `app.proxy` (X-Forwarded-Proto and
 * X-Forwarded-Host) like `ctx.secure` does.
 * A multipart form needs a body parser before this middleware (or the header), since the middleware
 * reads urlencoded bodies only.
 *
 * @throws SessionError `SESSION_CSRF` with status 403 (and `expose` true) into Koa's error flow.
 * @example
 * app.use(session({ store, secret }));
 * app.use(csrf({ allowedOrigins: ['https://admin.example.com'] }));
 */
export function csrf(options: CsrfMiddlewareOptions = {}): Middleware {
  const field = options.field ?? '_csrf';
  const header = options.header ?? 'x-csrf-token';
  const requireAll = (options.requireToken ?? 'forms') === 'all';
  const bodyLimit = options.bodyLimit ?? 65_536;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) {
    throw new SessionError(
      'SESSION_CONFIG',
      '@cloakroom/session-koa: csrf({ bodyLimit }) must be a whole number of bytes.',
    );
  }

  return async (ctx, next) => {
    if (isSafeMethod(ctx.method)) return next();
    if (ctx.session === undefined) {
      throw new SessionError('SESSION_USAGE', '@cloakroom/session-koa: csrf() must come after session().');
    }
    const requireToken = requireAll || typeof ctx.is(FORM_TYPES) === 'string';
    let token: unknown = ctx.get(header) || undefined;
    if (token === undefined && requireToken) token = await bodyToken(ctx, field, bodyLimit);
    const ok = await verifyCsrf(
      ctx.session,
      {
        method: ctx.method,
        origin: ctx.get('Origin') || null,
        secFetchSite: ctx.get('Sec-Fetch-Site') || null,
        // Not `ctx.origin`: Koa 3 made it the request's Origin header; Koa 2 built it from protocol and host.
        selfOrigin: `${ctx.protocol}://${ctx.host}`,
        token,
        requireToken,
      },
      options,
    );
    if (!ok) {
      throw new SessionError('SESSION_CSRF', 'Forbidden: cross-site request refused.', { status: 403 });
    }
    return next();
  };
}

async function bodyToken(ctx: ParameterizedContext, field: string, limit: number): Promise<unknown> {
  const request = ctx.request as { body?: unknown };
  if (request.body === undefined && ctx.is('application/x-www-form-urlencoded') !== false) {
    const text = await readBody(ctx.req, limit);
    // Past the limit the body is not parsed: no token, so the request is refused.
    if (text === null) return undefined;
    request.body = Object.fromEntries(new URLSearchParams(text));
  }
  const body = request.body;
  if (body === null || typeof body !== 'object') return undefined;
  return Object.hasOwn(body, field) ? (body as Record<string, unknown>)[field] : undefined;
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

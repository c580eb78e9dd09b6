import {
  type CsrfOptions,
  csrfAllows,
  isSafeMethod,
  parsedFormField,
  type ResolvedCsrfOptions,
  resolveCsrfOptions,
} from '@cloakroom/session-core';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { slotFor } from './access.ts';
import type { SessionModuleOptions } from './options.ts';
import { SESSION_OPTIONS } from './tokens.ts';

/**
 * Options of the CSRF check ({@link SessionModuleOptions.csrf}): core's CSRF options, the same in every
 * adapter. The token field is read from the body your platform's body parser produced (its limit applies).
 */
export type SessionCsrfOptions = CsrfOptions;

const SKIP_CSRF = Symbol.for('@cloakroom/session-nest:skip-csrf');

/**
 * Exempts a handler or controller from {@link SessionCsrfGuard} (webhooks signed another way).
 * @example
 * @SkipCsrf()
 * @Post('webhooks/stripe')
 * hook() {}
 */
export function SkipCsrf(): MethodDecorator & ClassDecorator {
  return SetMetadata(SKIP_CSRF, true);
}

interface HttpRequestLike {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  protocol?: string;
  /** Express 5 and Fastify 5: the host with its port, honouring their proxy settings. */
  host?: string;
}

function isHttpRequest(value: unknown): value is HttpRequestLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as HttpRequestLike).method === 'string' &&
    typeof (value as HttpRequestLike).headers === 'object'
  );
}

/**
 * The HTTP request an execution context handles: Nest's HTTP context, or for GraphQL over HTTP the
 * request Nest's drivers put in the resolver context (`req` with Express, `request` or `req` with
 * Fastify/Mercurius). A GraphQL POST is an unsafe request like any other.
 */
function httpRequestOf(context: ExecutionContext): HttpRequestLike | undefined {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<HttpRequestLike>();
  if (context.getType<string>() !== 'graphql') return undefined;
  const gqlContext: unknown = context.getArgByIndex(2);
  if (gqlContext === null || typeof gqlContext !== 'object') return undefined;
  const { req, request } = gqlContext as { req?: unknown; request?: unknown };
  if (isHttpRequest(req)) return req;
  return isHttpRequest(request) ? request : undefined;
}

function header(request: HttpRequestLike, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Refuses cross-site requests with 403 `ForbiddenException`: every unsafe request (not GET, HEAD,
 * OPTIONS, TRACE) must come from the app's own origin (`Origin`, else `Sec-Fetch-Site`) or an allowed
 * one, and form posts (urlencoded, multipart, text/plain), or every unsafe request with
 * `requireToken: 'all'`, must carry the session's token (`await session.csrfToken()`) in the `_csrf`
 * field or the `x-csrf-token` header. SameSite=Lax alone does not stop login CSRF from a sibling
 * subdomain. GraphQL resolvers served over HTTP are checked the same way, from the request in the
 * GraphQL context. The decision is core's `csrfAllows()`.
 *
 * Enable it for every route with `SessionModule.forRoot({ csrf: true, ... })`, or per controller with
 * `@UseGuards(SessionCsrfGuard)`.
 * @throws SessionError `SESSION_CONFIG` when built with bad `csrf` options
 * @throws ForbiddenException when the request is refused
 */
@Injectable()
export class SessionCsrfGuard implements CanActivate {
  readonly #reflector: Reflector;
  readonly #csrf: ResolvedCsrfOptions;

  constructor(
    @Inject(SESSION_OPTIONS) options: SessionModuleOptions,
    @Inject(Reflector) reflector: Reflector,
  ) {
    this.#reflector = reflector;
    this.#csrf = resolveCsrfOptions(
      typeof options.csrf === 'object' ? options.csrf : {},
      '@cloakroom/session-nest: SessionModule csrf',
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = httpRequestOf(context);
    // No HTTP request behind it (a WebSocket message, a microservice): the handshake was checked already.
    if (request === undefined) return true;
    if (isSafeMethod(request.method)) return true;
    if (this.#reflector.getAllAndOverride<boolean>(SKIP_CSRF, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const view = {
      method: request.method,
      header: (name: string) => header(request, name),
      ownOrigin: `${request.protocol ?? 'http'}://${request.host ?? header(request, 'host') ?? ''}`,
      formField: async () => parsedFormField(request.body, this.#csrf.field),
    };
    // A route excluded from sessions has no session: its form posts are refused, as no token can match.
    if (!(await csrfAllows(slotFor(context)?.session, view, this.#csrf))) {
      throw new ForbiddenException('Cross-site request refused.');
    }
    return true;
  }
}

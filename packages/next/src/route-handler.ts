import {
  type AppSessionData,
  type CommitResult,
  formFieldOf,
  hasHeaders,
  type ResolvedCsrfOptions,
  type Session,
  type SessionData,
  SessionError,
} from '@cloakroom/session-core';
import type { NextRequest } from 'next/server.js';
import {
  type Adapter,
  answerable,
  applyToHeaders,
  commitToCookieJar,
  controlFlowStatus,
  errorResponse,
  newState,
  writableOf,
} from './context.ts';
import { csrfAllows, isSecure, type NextCsrfOptions, resolveCsrf } from './request.ts';

/** A Route Handler that gets the request's session (typed by core's `AppSession`) as its third argument. */
export type SessionRouteHandler<Data extends SessionData = AppSessionData, Context = unknown> = (
  request: NextRequest,
  context: Context,
  session: Session<Data>,
) => Response | Promise<Response>;

/** Options of one wrapped handler (`withSession(handler, options)`). */
export interface WithSessionOptions {
  /** The CSRF check for this handler, or false to turn it off here. @default the factory's `csrf` option */
  csrf?: NextCsrfOptions | false;
}

/**
 * Picks the CSRF settings of one wrapper: its own, or the factory's.
 * @throws SessionError `SESSION_CONFIG` for bad options, naming the wrapper.
 */
export function csrfFor(
  adapter: { readonly csrf: ResolvedCsrfOptions | null },
  option: NextCsrfOptions | false | undefined,
  where: string,
): ResolvedCsrfOptions | null {
  if (option === undefined) return adapter.csrf;
  return option === false ? null : resolveCsrf(option, where);
}

export const CSRF_REFUSED: SessionError = new SessionError(
  'SESSION_CSRF',
  'Forbidden: cross-site request refused.',
  { status: 403 },
);

/** The handler's Response with the session headers; a copy when its headers are immutable (`Response.redirect`). */
function withSessionHeaders(response: Response, result: CommitResult): Response {
  if (!hasHeaders(result)) return response;
  try {
    applyToHeaders(response.headers, result);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    applyToHeaders(copy.headers, result);
    return copy;
  }
}

export function withSessionFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): <Context>(
  handler: SessionRouteHandler<Data, Context>,
  options?: WithSessionOptions,
) => (request: NextRequest, context: Context) => Promise<Response> {
  return (handler, options = {}) => {
    const csrf = csrfFor(adapter, options.csrf, 'withSession({ csrf })');
    return async (request, context) => {
      const header = (name: string): string | null => request.headers.get(name);
      const handle = adapter.manager.open({
        cookie: header('cookie'),
        secure: isSecure(header, adapter.trustProxy),
        canSetCookie: true,
      });
      // save() only commits: the cookie goes onto the Response the handler returns.
      const state = newState(handle, 'route', async () => {
        await handle.commit();
      });
      const session = writableOf(state);
      try {
        if (csrf !== null) {
          const allowed = await csrfAllows(
            session,
            {
              method: request.method,
              header,
              trustProxy: adapter.trustProxy,
              bodyToken: () => formFieldOf(request, csrf.field, csrf.bodyLimit),
            },
            csrf,
          );
          if (!allowed) return errorResponse(CSRF_REFUSED);
        }
        let response: Response;
        try {
          response = await adapter.scope.run(state, () => handler(request, context, session));
        } catch (error) {
          // A thrown redirect() or notFound() becomes Next's own response, which carries the cookie jar.
          const status = controlFlowStatus(error);
          if (status !== null) await commitToCookieJar(state, status);
          throw error;
        }
        return withSessionHeaders(response, await handle.commit({ status: response.status }));
      } catch (error) {
        const answer = answerable(error);
        if (answer === null) throw error;
        if (answer.status >= 500) adapter.report(answer);
        return errorResponse(answer);
      }
    };
  };
}

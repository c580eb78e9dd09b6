import type { AppSessionData, Session as CoreSession, SessionData } from '@cloakroom/session-core';
import { SessionError } from '@cloakroom/session-core';
import type { ExecutionContext } from '@nestjs/common';
import { type RequestSlot, requestStorage, slotOf } from './context.ts';

const NO_SESSION =
  'No session on this request: the route is excluded from SessionModule (see its include and exclude ' +
  'options), or the code runs outside an HTTP request (in a WebSocket gateway, read the session with ' +
  'SessionService.readOnly()).';

/** The slot of the request an execution context handles: HTTP, then GraphQL's `{ req }`, then the ALS. */
export function slotFor(context: ExecutionContext): RequestSlot | undefined {
  if (context.getType() === 'http') {
    const slot = slotOf(context.switchToHttp().getRequest());
    if (slot !== undefined) return slot;
  } else {
    // GraphQL resolvers get (root, args, context, info); Nest's GraphQL drivers put the request in `context.req`.
    const gqlContext: unknown = context.getArgByIndex(2);
    if (gqlContext !== null && typeof gqlContext === 'object') {
      const slot =
        slotOf((gqlContext as { req?: unknown }).req) ??
        slotOf((gqlContext as { request?: unknown }).request);
      if (slot !== undefined) return slot;
    }
  }
  return requestStorage.getStore();
}

/** The session of the request an execution context handles. @throws SessionError SESSION_USAGE when there is none */
export function sessionFor<Data extends SessionData>(context: ExecutionContext): CoreSession<Data> {
  const slot = slotFor(context);
  if (slot === undefined) throw new SessionError('SESSION_USAGE', NO_SESSION);
  return slot.session as unknown as CoreSession<Data>;
}

/** The session of the current request from the AsyncLocalStorage context, or undefined outside one. */
export function currentSession<Data extends SessionData>(): CoreSession<Data> | undefined {
  return requestStorage.getStore()?.session as CoreSession<Data> | undefined;
}

/** Like {@link currentSession}, but throws when there is none. @throws SessionError SESSION_USAGE */
export function requireCurrentSession<Data extends SessionData>(): CoreSession<Data> {
  const session = currentSession<Data>();
  if (session === undefined) throw new SessionError('SESSION_USAGE', NO_SESSION);
  return session;
}

/**
 * The session of a request object, as Express (`req`), Fastify (`request` or `request.raw`) or a
 * GraphQL context's `req` gives it; undefined when the request has none (excluded route).
 * @example
 * // In a GraphQL resolver (Nest's Apollo driver puts the request in the context's `req`):
 * @Mutation(() => Boolean)
 * signOut(@Context('req') req: unknown) {
 *   getRequestSession(req)?.destroy();
 *   return true;
 * }
 */
export function getRequestSession<Data extends SessionData = AppSessionData>(
  request: unknown,
): CoreSession<Data> | undefined {
  return slotOf(request)?.session as CoreSession<Data> | undefined;
}

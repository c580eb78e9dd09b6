import type { AppSessionData, Session, SessionData, SessionManager } from '@cloakroom/session-core';
import { Inject, Injectable } from '@nestjs/common';
import { currentSession, requireCurrentSession } from './access.ts';
import { nestSession } from './nest-session.ts';
import { SESSION_MANAGER } from './tokens.ts';

/** The reading half of a session: what code that cannot write a response (a WebSocket gateway) may use. */
export type ReadonlySession<Data extends SessionData = AppSessionData> = Pick<
  Session<Data>,
  'get' | 'has' | 'all' | 'getUser' | 'exists' | 'createdAt' | 'logId' | 'listSessions' | 'verifyCsrfToken'
>;

/**
 * The current request's session for services deep in the call graph, through AsyncLocalStorage: a
 * singleton, so no request-scoped provider (and none of its per-request instantiation) is needed. Its
 * data type defaults to core's `AppSession` as your app declares it.
 * @example
 * @Injectable()
 * export class CartService {
 *   constructor(private readonly sessions: SessionService) {}
 *   async items() { return (await this.sessions.session.get('cart')) ?? []; }
 * }
 */
@Injectable()
export class SessionService<Data extends SessionData = AppSessionData> {
  /** The manager the module built (listing or revoking a user's sessions, closing). */
  readonly manager: SessionManager<Data>;

  constructor(@Inject(SESSION_MANAGER) manager: SessionManager<Data>) {
    this.manager = manager;
  }

  /**
   * The session of the request being handled.
   * @throws SessionError SESSION_USAGE outside a request, or on a route excluded from the module
   */
  get session(): Session<Data> {
    return requireCurrentSession<Data>();
  }

  /** The session of the request being handled, or undefined outside one. */
  get current(): Session<Data> | undefined {
    return currentSession<Data>();
  }

  /**
   * Reads a session from a `Cookie` header outside the HTTP request cycle, such as a WebSocket
   * upgrade (`client.handshake.headers.cookie` in a Socket.IO gateway). Nothing is ever written: no
   * touch, no cookie, so the session's sliding expiry only moves on HTTP requests.
   * @example
   * async handleConnection(client: Socket) {
   *   const user = await this.sessions.readOnly(client.handshake.headers.cookie).getUser();
   *   if (user === null) client.disconnect(true);
   * }
   */
  readOnly(cookie: string | readonly string[] | null | undefined): ReadonlySession<Data> {
    const header = typeof cookie === 'string' ? cookie : cookie ? cookie.join('; ') : undefined;
    return nestSession(this.manager.open({ cookie: header }).session);
  }
}

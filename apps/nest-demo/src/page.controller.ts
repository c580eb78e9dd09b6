import { SESSION_OPTIONS, Session, type SessionModuleOptions } from '@cloakroom/session-nest';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { type DemoData, renderPage, unlisted } from 'demo-kit';
import { readState } from './api.controller.ts';

/** The HTML page and the health check. */
@Controller()
export class PageController {
  readonly #idleTimeout: number;

  constructor(@Inject(SESSION_OPTIONS) options: SessionModuleOptions) {
    // "Last seen" in the session list is the stored expiry minus this (core's default when unset): no
    // write per request records it.
    this.#idleTimeout = options.idleTimeout ?? 86_400;
  }

  /** The page: user, counter, cart, flash messages, sessions, and a form (with `_csrf`) per action. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async page(@Session() session: Session<DemoData>): Promise<string> {
    // csrfToken() creates the token on first use and saves it: the page sets the session cookie.
    const [state, csrfToken, device] = await Promise.all([
      readState(session),
      session.csrfToken(),
      session.get('device'),
    ]);
    const sessions = state.user === null ? null : await session.listSessions().catch(unlisted);
    return renderPage(state, {
      framework: 'NestJS',
      csrfToken,
      sessions,
      device,
      idleTimeout: this.#idleTimeout,
    });
  }

  /** 200 `ok`. Excluded from `SessionModule`: no session, no store round trip, no cookie. */
  @Get('healthz')
  @Header('content-type', 'text/plain; charset=utf-8')
  health(): string {
    return 'ok';
  }
}

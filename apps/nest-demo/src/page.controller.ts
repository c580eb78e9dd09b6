import { Session } from '@cloakroom/session-nest';
import { Controller, Get, Header } from '@nestjs/common';
import { type DemoData, renderDemoPage } from 'demo-kit';

/** The HTML page and the health check. */
@Controller()
export class PageController {
  /** The page: user, counter, cart, flash messages, sessions, and a form (with `_csrf`) per action. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Session() session: Session<DemoData>): Promise<string> {
    return renderDemoPage(session, 'NestJS');
  }

  /** 200 `ok`. Excluded from `SessionModule`: no session, no store round trip, no cookie. */
  @Get('healthz')
  @Header('content-type', 'text/plain; charset=utf-8')
  health(): string {
    return 'ok';
  }
}

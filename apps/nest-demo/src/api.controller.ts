import { Session } from '@cloakroom/session-nest';
import { Body, Controller, Get, Headers, Post, Res } from '@nestjs/common';
import {
  addToCart,
  type DemoAction,
  type DemoData,
  type DemoSessionInfo,
  type DemoState,
  increment,
  listSessions,
  login,
  logout,
  perform,
  readState,
  revokeOthers,
} from 'demo-kit';
import type { Response } from 'express';
import { reply } from './reply.ts';

/**
 * The JSON API. The page's forms post urlencoded bodies (with `_csrf`) to the same routes: `perform`
 * answers those with `303 /` instead of JSON, so the POST handlers pick their status per request and
 * write the response themselves (`@Res()`). Client errors are thrown as `DemoError` and answered by
 * `DemoExceptionFilter`; CSRF is checked before any handler by the module's `csrf: true`.
 */
@Controller('api')
export class ApiController {
  /** `{ user, count, cart, flash }`; reading consumes the flash messages. */
  @Get('session')
  session(@Session() session: Session<DemoData>): Promise<DemoState> {
    return readState(session);
  }

  /** The signed-in user's sessions; 401 when signed out. */
  @Get('sessions')
  sessions(@Session() session: Session<DemoData>): Promise<DemoSessionInfo[]> {
    return listSessions(session);
  }

  /** `{ count }`, incremented atomically. */
  @Post('count')
  count(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return run(increment, session, body, type, res);
  }

  /** `{ cart }` with `item` appended atomically; 400 unless it has 1 to 64 characters. */
  @Post('cart')
  cart(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return run(addToCart, session, body, type, res);
  }

  /** `{ user }` with a new session id and a welcome flash; 401 for wrong credentials. */
  @Post('login')
  login(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return run(login, session, body, type, res);
  }

  /** 204; the session is destroyed and its cookie expired. */
  @Post('logout')
  logout(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return run(logout, session, body, type, res);
  }

  /** `{ revoked }`: the user's other sessions destroyed; 401 when signed out. */
  @Post('sessions/revoke-others')
  revokeOthers(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return run(revokeOthers, session, body, type, res);
  }
}

async function run(
  action: DemoAction,
  session: Session<DemoData>,
  body: unknown,
  type: string | undefined,
  res: Response,
): Promise<void> {
  reply(res, await perform(action, session, body, type));
}

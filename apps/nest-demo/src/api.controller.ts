import { Session } from '@cloakroom/session-nest';
import { Body, Controller, Get, Headers, Post, Res } from '@nestjs/common';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  type DemoSessionInfo,
  type DemoState,
  deviceOf,
  FLASH_KEY,
  noUserIndex,
  requireUser,
  sessionList,
} from 'demo-kit';
import type { Response } from 'express';
import { answer } from './reply.ts';

/**
 * What `GET /api/session` answers and the page shows. One store read serves every get; reading the flash
 * consumes it (a message is shown once).
 */
export async function readState(session: Session<DemoData>): Promise<DemoState> {
  const [user, count = 0, cart = [], flash] = await Promise.all([
    session.getUser(),
    session.get('count'),
    session.get('cart'),
    session.consumeFlash(FLASH_KEY),
  ]);
  return { user, count, cart, flash: flash.map(String) };
}

/**
 * The JSON API. The page's forms post urlencoded bodies (with `_csrf`) to the same routes, answered with
 * `303 /` instead of JSON, so the POST handlers pick their status per request and write the response
 * themselves (`@Res()`, through `answer`). Client errors are thrown as `DemoError` and answered by
 * `DemoExceptionFilter`; CSRF is checked before any handler by the module's `csrf: true`.
 */
@Controller('api')
export class ApiController {
  /** `{ user, count, cart, flash }`; reading consumes the flash messages. */
  @Get('session')
  session(@Session() session: Session<DemoData>): Promise<DemoState> {
    return readState(session);
  }

  /** The signed-in user's sessions; 401 when signed out, 501 on a store without the per-user index. */
  @Get('sessions')
  async sessions(@Session() session: Session<DemoData>): Promise<DemoSessionInfo[]> {
    requireUser(await session.getUser());
    return sessionList(await session.listSessions().catch(noUserIndex));
  }

  /** `{ count }`, incremented atomically. */
  @Post('count')
  count(
    @Session() session: Session<DemoData>,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return answer(res, session, type, async () => ({
      count: await session.update('count', (count = 0) => count + 1),
    }));
  }

  /** `{ cart }` with `item` appended atomically; 400 unless it has 1 to 64 characters, or when full. */
  @Post('cart')
  cart(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    // update() re-runs appendItem's function on the latest cart when a parallel request added meanwhile.
    return answer(res, session, type, async () => ({ cart: await session.update('cart', appendItem(body)) }));
  }

  /** `{ user }` with a new session id, the device kept and a welcome flash; 401 for wrong credentials. */
  @Post('login')
  login(
    @Session() session: Session<DemoData>,
    @Body() body: unknown,
    @Headers('user-agent') userAgent: string | undefined,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return answer(res, session, type, async () => {
      const user = checkCredentials(body);
      session.regenerate(); // a new id on every privilege change: the old cookie stops working
      session.setUser(user);
      session.set('device', deviceOf(userAgent));
      session.flash(FLASH_KEY, `Welcome, ${user}`);
      return { user };
    });
  }

  /** 204; the session is destroyed and its cookie expired. */
  @Post('logout')
  logout(
    @Session() session: Session<DemoData>,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return answer(res, session, type, async () => session.destroy());
  }

  /** `{ revoked }`: the user's other sessions destroyed; 401 when signed out. */
  @Post('sessions/revoke-others')
  revokeOthers(
    @Session() session: Session<DemoData>,
    @Headers('content-type') type: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return answer(res, session, type, async () => {
      requireUser(await session.getUser());
      return { revoked: await session.revokeOtherSessions().catch(noUserIndex) };
    });
  }
}

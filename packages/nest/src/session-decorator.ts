import type { AppSessionData, Session as CoreSession, SessionData } from '@cloakroom/session-core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { sessionFor } from './access.ts';

/**
 * The session of the current request, as a handler parameter: `@Session() session: Session`, typed by
 * core's `AppSession` as your app declares it (or pass a data type: `Session<{ cart: string[] }>`). Reads are async and lazy (no store round trip until the
 * first read); writes are saved before the response is sent.
 * @throws SessionError SESSION_USAGE (answered 500) on a route excluded from the module
 * @example
 * @Get('cart')
 * async cart(@Session() session: Session) {
 *   return (await session.get('cart')) ?? [];
 * }
 */
export const Session: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => sessionFor(context),
);

/**
 * The session type handlers receive from `@Session()`: core's `Session`, typed by default with core's
 * `AppSession` as your app declares it (any string key holding `unknown` when nothing is declared).
 */
export type Session<Data extends SessionData = AppSessionData> = CoreSession<Data>;

import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { sessionFor } from './access.ts';

/**
 * Lets a request through only when its session is bound to a user (`session.setUser(id)` at sign-in);
 * answers 401 `UnauthorizedException` otherwise. A store failure while reading answers 503.
 * @throws UnauthorizedException when no user is signed in
 * @example
 * @UseGuards(SessionAuthGuard)
 * @Get('me')
 * me(@Session() session: Session) { return session.getUser(); }
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = await sessionFor(context).getUser();
    if (user === null) throw new UnauthorizedException();
    return true;
  }
}

/**
 * Requires a signed-in user on a handler or a whole controller: shorthand for
 * `@UseGuards(SessionAuthGuard)`.
 * @example
 * @RequireUser()
 * @Controller('account')
 * export class AccountController {}
 */
export function RequireUser(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(SessionAuthGuard));
}

// @nestjs/passport with a PassportSerializer on Nest's Express platform, on the express-session-shaped
// session of @cloakroom/session-express/compat (mounted as Express middleware, as Nest's own passport
// recipe mounts express-session), with a real Redis.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { CookieClient, redisUrl } from '@cloakroom/session-adapter-test';
import { type CompatSession, passportUser, session } from '@cloakroom/session-express/compat';
import { redisStoreFactory } from '@cloakroom/test-stores';
import {
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import passport from 'passport';
import { Strategy } from 'passport-local';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'nest-passport-test-secret-0123456789abcdef';

interface User {
  id: string;
}

/** What the controller reads of Express's request (this package types no Express request of its own). */
interface AuthRequest {
  user?: User;
  session: CompatSession;
  isAuthenticated(): boolean;
  logout(callback: (error?: unknown) => void): void;
}

@Injectable()
class LocalStrategy extends PassportStrategy(Strategy) {
  validate(username: string, password: string): User {
    if (password !== 'right') throw new UnauthorizedException();
    return { id: username };
  }
}

@Injectable()
class SessionSerializer extends PassportSerializer {
  serializeUser(user: User, done: (error: unknown, id?: string) => void): void {
    done(null, user.id);
  }
  deserializeUser(id: string, done: (error: unknown, user?: User) => void): void {
    done(null, { id });
  }
}

/** Nest's recipe: authenticate with the local strategy, then `req.logIn` (regenerates the session). */
@Injectable()
class LoginGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

@Controller()
class AuthController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginGuard)
  login(@Req() req: AuthRequest) {
    return { user: req.user!.id };
  }

  @Get('me')
  me(@Req() req: AuthRequest) {
    if (!req.isAuthenticated()) throw new UnauthorizedException();
    req.session.visits = Number(req.session.visits ?? 0) + 1;
    return { user: req.user!.id, visits: req.session.visits };
  }

  @Post('logout')
  @HttpCode(200)
  logout(@Req() req: AuthRequest): Promise<{ out: boolean }> {
    return new Promise((resolve, reject) => {
      req.logout((error) => (error ? reject(error) : resolve({ out: true })));
    });
  }
}

@Module({
  imports: [PassportModule.register({ session: true })],
  controllers: [AuthController],
  providers: [LocalStrategy, SessionSerializer],
})
class AppModule {}

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function start() {
  const made = await redisStoreFactory({
    url: redisUrl(),
    prefix: `cloakroom-nest-passport-${crypto.randomUUID()}:`,
    failFast: false,
  });
  closing.push(() => made.close());
  const middleware = session({
    store: made.store,
    secret: SECRET,
    cookie: { secure: false },
    user: passportUser,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule, new ExpressAdapter(), {
    logger: false,
  });
  app.use(middleware);
  app.use(passport.session());
  await app.listen(0, '127.0.0.1');
  closing.push(() => app.close());
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { user: new CookieClient(`http://127.0.0.1:${port}`), manager: middleware.manager };
}

describe('@nestjs/passport on the compat session (Nest on Express)', () => {
  it('signs in with a new session id, keeps req.user across requests, and signs out', async () => {
    const { user, manager } = await start();
    expect((await user.get('/me')).status).toBe(401);
    expect((await user.post('/login', { json: { username: 'ada', password: 'wrong' } })).status).toBe(401);

    // A session from before the sign-in (as a visitor's cart would make) must not survive it.
    const before = user.cookies().get('session');
    const reply = await user.post('/login', { json: { username: 'ada', password: 'right' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ user: 'ada' });
    expect(user.cookies().get('session')).toBeDefined();
    expect(user.cookies().get('session')).not.toBe(before);

    expect((await user.get('/me')).body).toEqual({ user: 'ada', visits: 1 });
    expect((await user.get('/me')).body).toEqual({ user: 'ada', visits: 2 });
    expect(await manager.listUserSessions('ada')).toHaveLength(1);

    const copy = user.snapshot();
    expect((await user.post('/logout')).body).toEqual({ out: true });
    expect((await user.get('/me')).status).toBe(401);
    expect((await copy.get('/me')).status).toBe(401);
    expect(await manager.listUserSessions('ada')).toHaveLength(0);
  });

  it('a second sign-in in the same browser moves the session to another id again', async () => {
    const { user } = await start();
    await user.post('/login', { json: { username: 'ada', password: 'right' } });
    const first = user.cookies().get('session');
    const stale = user.snapshot();
    await user.post('/login', { json: { username: 'grace', password: 'right' } });
    expect(user.cookies().get('session')).not.toBe(first);
    expect((await user.get('/me')).json<{ user: string }>().user).toBe('grace');
    expect((await stale.get('/me')).status).toBe(401);
  });
});

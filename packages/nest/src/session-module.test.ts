import 'reflect-metadata';
import { Agent, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { countingStore, manualClock, probeStore, redisUrl } from '@cloakroom/session-adapter-test';
import {
  memoryStore,
  type SessionError,
  type SessionManager,
  SessionStoreError,
} from '@cloakroom/session-core';
import { redisStoreFactory } from '@cloakroom/test-stores';
import {
  type ArgumentsHost,
  Body,
  type CanActivate,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpCode,
  HttpException,
  Injectable,
  type MessageEvent,
  Module,
  Post,
  Res,
  ServiceUnavailableException,
  Sse,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import { from, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestSlot, requestStorage } from './context.ts';
import type { SessionModuleOptions, SessionOptionsFactory } from './options.ts';
import { RequireUser, SessionAuthGuard } from './session-auth-guard.ts';
import { Session } from './session-decorator.ts';
import { SessionModule } from './session-module.ts';
import { SessionService } from './session-service.ts';
import { send } from './testing/http.ts';
import { type AppSpec, type Platform, type RunningApp, startApp } from './testing/scenario-app.ts';
import { gatedStore } from './testing/stores.ts';
import { SESSION_MANAGER } from './tokens.ts';

const SECRET = 'nest-test-secret-0123456789abcdefghijklmnop';
const COOKIE = { name: 'sid', secure: false } as const;

interface AppSession extends Record<string, unknown> {
  cart: string[];
  note: string;
}

@Injectable()
class CartService {
  constructor(private readonly sessions: SessionService<AppSession>) {}

  async add(item: string): Promise<number> {
    await sleep(1); // an async hop: the session must still be found through AsyncLocalStorage
    const session = this.sessions.session;
    const cart = [...((await session.get('cart')) ?? []), item];
    session.set('cart', cart);
    return cart.length;
  }

  async items(): Promise<string[]> {
    return (await this.sessions.session.get('cart')) ?? [];
  }
}

@Injectable()
class NoteGuard implements CanActivate {
  constructor(private readonly sessions: SessionService<AppSession>) {}

  async canActivate(): Promise<boolean> {
    await tick();
    return (await this.sessions.session.get('note')) !== 'blocked';
  }
}

@Controller('account')
class AccountController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session, @Body() body: { user: string }): { ok: true } {
    session.setUser(body.user);
    session.regenerate();
    return { ok: true };
  }

  @RequireUser()
  @Get('me')
  async me(@Session() session: Session): Promise<{ user: string | null }> {
    return { user: await session.getUser() };
  }

  @UseGuards(SessionAuthGuard)
  @Get('guarded')
  guarded(): { ok: true } {
    return { ok: true };
  }
}

@Controller('cart')
class CartController {
  constructor(private readonly cart: CartService) {}

  @Post()
  @HttpCode(200)
  async add(@Body() body: { item: string }): Promise<{ count: number }> {
    return { count: await this.cart.add(body.item) };
  }

  @Get()
  async items(): Promise<{ items: string[] }> {
    return { items: await this.cart.items() };
  }

  @Post('note')
  @HttpCode(200)
  note(@Session() session: Session<AppSession>, @Body() body: { note: string }): { ok: true } {
    session.set('note', body.note);
    return { ok: true };
  }

  @UseGuards(NoteGuard)
  @Get('guarded')
  guarded(): { ok: true } {
    return { ok: true };
  }
}

@Controller('health')
class HealthController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  health(): { session: boolean } {
    return { session: this.sessions.current !== undefined };
  }

  @Post()
  @HttpCode(200)
  async ping(@Body() _body: unknown): Promise<{ session: boolean }> {
    await tick();
    return { session: this.sessions.current !== undefined };
  }

  @Get('strict')
  strict(@Session() _session: Session): { ok: true } {
    return { ok: true };
  }
}

/** Express's `res`, or Fastify's reply whose `raw` is the Node response. */
type AnyResponse = ServerResponse | { raw: ServerResponse };

function rawOf(response: AnyResponse): ServerResponse {
  return 'raw' in response ? response.raw : response;
}

@Controller('raw')
class RawController {
  /** Writes on the Node response itself, around the framework: the head still waits for the commit. */
  @Get('new')
  fresh(@Session() session: Session, @Res() response: AnyResponse): void {
    session.set('raw', 'written');
    const raw = rawOf(response);
    raw.writeHead(200, { 'content-type': 'text/plain' });
    raw.end('raw');
  }

  /** Writes the head itself, then changes the session: saved before the response ends, with no cookie. */
  @Get('late')
  async late(@Session() session: Session, @Res() response: AnyResponse): Promise<void> {
    await session.get('note');
    const raw = rawOf(response);
    raw.write('head sent;');
    session.set('late', 'saved');
    raw.end('done');
  }

  @Sse('events')
  async events(@Session() session: Session): Promise<Observable<MessageEvent>> {
    session.set('sse', 'subscribed');
    return from([{ data: { n: 1 } }, { data: { n: 2 } }]);
  }

  /**
   * 512 KiB in 1 KiB chunks: the held first write answers false, so the pipe waits for a 'drain' that Node
   * itself would never emit for replayed writes this small.
   */
  @Get('large')
  large(@Session() session: Session): StreamableFile {
    session.set('large', 'streamed');
    const chunk = Buffer.alloc(1024, 'x');
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 512; i++) yield chunk;
    }
    return new StreamableFile(Readable.from(chunks()), { type: 'application/octet-stream' });
  }
}

const controllers = [AccountController, CartController, HealthController];
const providers = [CartService, NoteGuard];

/** A catch-all filter of the app's own, as many apps have: it must see an HTTP exception, not a 500. */
@Catch()
class RecordingFilter implements ExceptionFilter {
  readonly seen: unknown[] = [];

  catch(exception: unknown, host: ArgumentsHost): void {
    this.seen.push(exception);
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const response = host
      .switchToHttp()
      .getResponse<
        | { raw: unknown; code(status: number): { send(body: unknown): void } }
        | { status(status: number): { json(body: unknown): void } }
      >();
    if ('raw' in response) response.code(status).send({ custom: status });
    else response.status(status).json({ custom: status });
  }
}

let running: RunningApp | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function boot(platform: Platform, spec: AppSpec): Promise<RunningApp> {
  running = await startApp(platform, { controllers, providers, ...spec });
  return running;
}

async function signIn(app: RunningApp, user = 'ada'): Promise<string> {
  const response = await send(app.baseUrl, '/account/login', { json: { user } });
  expect(response.status).toBe(200);
  return response.cookie('sid')!;
}

describe.each(['express', 'fastify'] as const)('SessionModule on %s', (platform) => {
  describe('SessionAuthGuard and @RequireUser()', () => {
    it('answers 401 without a signed-in user and lets the user through after sign-in', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({ store: memoryStore({ warn: false }), secret: SECRET, cookie: COOKIE }),
        ],
      });
      for (const path of ['/account/me', '/account/guarded']) {
        const anonymous = await send(app.baseUrl, path);
        expect(anonymous.status, path).toBe(401);
        expect(anonymous.json()).toEqual(expect.objectContaining({ statusCode: 401 }));
        expect(anonymous.setCookies).toEqual([]);
      }
      const cookie = await signIn(app);
      expect((await send(app.baseUrl, '/account/me', { cookie })).json()).toEqual({ user: 'ada' });
      expect((await send(app.baseUrl, '/account/guarded', { cookie })).status).toBe(200);
      // A session with data but no user is still refused.
      const cart = await send(app.baseUrl, '/cart', { json: { item: 'tea' } });
      expect((await send(app.baseUrl, '/account/me', { cookie: cart.cookie('sid') })).status).toBe(401);
    });
  });

  describe('SessionService', () => {
    it('gives services and guards the current request’s session through AsyncLocalStorage', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({ store: memoryStore({ warn: false }), secret: SECRET, cookie: COOKIE }),
        ],
      });
      const first = await send(app.baseUrl, '/cart', { json: { item: 'tea' } });
      expect(first.json()).toEqual({ count: 1 });
      const cookie = first.cookie('sid');
      expect(cookie).toBeDefined();
      const second = await send(app.baseUrl, '/cart', { cookie, json: { item: 'jam' } });
      expect(second.json()).toEqual({ count: 2 });
      // Parallel requests of other clients never see this one's session.
      const [mine, theirs] = await Promise.all([
        send(app.baseUrl, '/cart', { cookie }),
        send(app.baseUrl, '/cart'),
      ]);
      expect(mine.json()).toEqual({ items: ['tea', 'jam'] });
      expect(theirs.json()).toEqual({ items: [] });

      expect((await send(app.baseUrl, '/cart/guarded', { cookie })).status).toBe(200);
      await send(app.baseUrl, '/cart/note', { cookie, json: { note: 'blocked' } });
      expect((await send(app.baseUrl, '/cart/guarded', { cookie })).status).toBe(403);

      const service = app.app.get(SessionService);
      expect(service.current).toBeUndefined();
      expect(() => service.session).toThrow(expect.objectContaining({ code: 'SESSION_USAGE' }));
    });

    it('readOnly() reads a session from a Cookie header without writing or touching it', async () => {
      const clock = manualClock();
      const store = countingStore(memoryStore({ warn: false, now: clock.now }));
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store,
            secret: SECRET,
            cookie: COOKIE,
            now: clock.now,
            idleTimeout: 600,
            touchInterval: 60,
          }),
        ],
      });
      const cookie = await signIn(app);
      store.resetCalls();
      clock.advance(120_000);
      const service = app.app.get(SessionService);
      expect(await service.readOnly(cookie).getUser()).toBe('ada');
      expect(await service.readOnly(['theme=dark', cookie]).getUser()).toBe('ada');
      expect(await service.readOnly(undefined).getUser()).toBeNull();
      expect(await service.readOnly('sid=forged.value').exists()).toBe(false);
      const calls = store.calls();
      expect(calls.get).toBe(2);
      expect(calls.touch + calls.set + calls.create + (calls.compareAndSet ?? 0) + calls.delete).toBe(0);
    });
  });

  describe('include and exclude', () => {
    it('a route without a session never sees the session of an earlier request on the connection', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store: memoryStore({ warn: false }),
            secret: SECRET,
            cookie: COOKIE,
            exclude: ['health', 'health/{*path}'],
          }),
        ],
      });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const sockets = new Set<unknown>();
        agent.on('free', (socket) => sockets.add(socket));
        for (let round = 0; round < 3; round++) {
          const login = await send(app.baseUrl, '/account/login', { json: { user: 'ada' }, agent });
          const cookie = login.cookie('sid');
          expect((await send(app.baseUrl, '/account/me', { cookie, agent })).status).toBe(200);
          expect((await send(app.baseUrl, '/health', { agent })).json()).toEqual({ session: false });
          expect((await send(app.baseUrl, '/health', { cookie, agent })).json()).toEqual({ session: false });
        }
        expect(sockets.size, 'every request went over one keep-alive connection').toBe(1);
      } finally {
        agent.destroy();
      }
    });

    it('a session context leaked into the start of a request is cleared on a route without a session', async () => {
      const store = memoryStore({ warn: false });
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store,
            secret: SECRET,
            cookie: COOKIE,
            exclude: ['health', 'health/{*path}'],
          }),
        ],
      });
      const cookie = await signIn(app);
      // As an older Node can do on a keep-alive connection: the request starts inside another's context.
      const manager = app.app.get<SessionManager>(SESSION_MANAGER);
      const stale = new RequestSlot(manager, cookie, false);
      const server = app.app.getHttpServer() as Server;
      for (const listener of server.listeners('request') as Array<(...args: unknown[]) => void>) {
        server.off('request', listener);
        server.on('request', (...args: unknown[]) => requestStorage.run(stale, () => listener(...args)));
      }
      expect((await send(app.baseUrl, '/health')).json()).toEqual({ session: false });
      expect((await send(app.baseUrl, '/health', { json: {} })).json()).toEqual({ session: false });
      expect((await send(app.baseUrl, '/account/me')).status, 'a route with a session uses its own').toBe(
        401,
      );
    });

    it('an excluded route has no session; the others keep theirs', async () => {
      const store = countingStore(memoryStore({ warn: false }));
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store,
            secret: SECRET,
            cookie: COOKIE,
            exclude: ['health', 'health/{*path}'],
          }),
        ],
      });
      const cookie = await signIn(app);
      store.resetCalls();
      const health = await send(app.baseUrl, '/health', { cookie });
      expect(health.json()).toEqual({ session: false });
      expect(health.setCookies).toEqual([]);
      const strict = await send(app.baseUrl, '/health/strict', { cookie });
      expect(strict.status, '@Session() on an excluded route is a server error').toBe(500);
      expect(store.totalCalls()).toBe(0);
      expect((await send(app.baseUrl, '/account/me', { cookie })).json()).toEqual({ user: 'ada' });
    });

    it('include limits sessions to the listed routes', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store: memoryStore({ warn: false }),
            secret: SECRET,
            cookie: COOKIE,
            include: ['cart', 'cart/{*path}'],
          }),
        ],
      });
      expect((await send(app.baseUrl, '/cart', { json: { item: 'tea' } })).status).toBe(200);
      expect((await send(app.baseUrl, '/health')).json()).toEqual({ session: false });
      expect((await send(app.baseUrl, '/account/login', { json: { user: 'ada' } })).status).toBe(500);
    });
  });

  describe('SessionModule.forRootAsync()', () => {
    it('builds the options from an injected config provider', async () => {
      @Injectable()
      class AppConfig {
        readonly #values: Record<string, string> = { SESSION_SECRET: SECRET, SESSION_COOKIE: 'app-sid' };
        get(key: string): string {
          const value = this.#values[key];
          if (value === undefined) throw new Error(`missing ${key}`);
          return value;
        }
      }
      @Module({ providers: [AppConfig], exports: [AppConfig] })
      class ConfigModule {}

      const app = await boot(platform, {
        imports: [
          SessionModule.forRootAsync({
            imports: [ConfigModule],
            inject: [AppConfig],
            useFactory: async (config: AppConfig) => {
              await tick();
              return {
                store: memoryStore({ warn: false }),
                secret: config.get('SESSION_SECRET'),
                cookie: { name: config.get('SESSION_COOKIE'), secure: false },
              };
            },
          }),
        ],
      });
      const login = await send(app.baseUrl, '/account/login', { json: { user: 'grace' } });
      const cookie = login.cookie('app-sid');
      expect(cookie, login.setCookies.join()).toBeDefined();
      expect((await send(app.baseUrl, '/account/me', { cookie })).json()).toEqual({ user: 'grace' });
    });

    it('takes a SessionOptionsFactory with useClass or useExisting', async () => {
      @Injectable()
      class SessionConfig implements SessionOptionsFactory {
        createSessionOptions(): SessionModuleOptions {
          return {
            store: memoryStore({ warn: false }),
            secret: SECRET,
            cookie: { name: 'class-sid', secure: false },
          };
        }
      }
      @Module({ providers: [SessionConfig], exports: [SessionConfig] })
      class SessionConfigModule {}

      for (const asyncOptions of [
        { useClass: SessionConfig },
        { imports: [SessionConfigModule], useExisting: SessionConfig },
      ]) {
        const app = await boot(platform, { imports: [SessionModule.forRootAsync(asyncOptions)] });
        const login = await send(app.baseUrl, '/account/login', { json: { user: 'lin' } });
        const cookie = login.cookie('class-sid');
        expect(cookie, Object.keys(asyncOptions).join()).toBeDefined();
        expect((await send(app.baseUrl, '/account/me', { cookie })).json()).toEqual({ user: 'lin' });
        await app.close();
        running = undefined;
      }
      expect(() => SessionModule.forRootAsync({})).toThrow(
        /exactly one of useFactory, useClass or useExisting/,
      );
    });

    it('refuses bad options at start-up with a message that says what to change', async () => {
      await expect(
        startApp(platform, {
          imports: [SessionModule.forRoot({ store: memoryStore({ warn: false }), secret: 'short' })],
          controllers,
          providers,
        }),
      ).rejects.toSatisfy(
        (error: SessionError) => error.code === 'SESSION_CONFIG' && /at least 32/.test(error.message),
      );
    });
  });

  describe('store failures', () => {
    it('reach the app’s own exception filters as ServiceUnavailableException, reading or committing', async () => {
      const probe = probeStore();
      const filter = new RecordingFilter();
      const app = await boot(platform, {
        imports: [SessionModule.forRoot({ store: probe.store, secret: SECRET, cookie: COOKIE })],
        configure: (nest) => {
          nest.useGlobalFilters(filter);
        },
      });
      const cookie = (await send(app.baseUrl, '/cart', { json: { item: 'tea' } })).cookie('sid');
      probe.down = true;
      const read = await send(app.baseUrl, '/cart', { cookie });
      expect(read.status).toBe(503);
      expect(read.json()).toEqual({ custom: 503 });
      expect(read.setCookies).toEqual([]);
      const write = await send(app.baseUrl, '/cart/note', { json: { note: 'lost' } });
      expect(write.status).toBe(503);
      expect(write.json()).toEqual({ custom: 503 });
      expect(write.setCookies).toEqual([]);
      expect(filter.seen).toHaveLength(2);
      for (const exception of filter.seen) {
        expect(exception).toBeInstanceOf(ServiceUnavailableException);
        expect((exception as Error).cause).toBeInstanceOf(SessionStoreError);
      }
      probe.down = false;
      expect((await send(app.baseUrl, '/cart', { cookie })).json()).toEqual({ items: ['tea'] });
    });

    it('answer Nest’s own 503 body, with no stack or cause, when the app has no filter', async () => {
      const probe = probeStore();
      const app = await boot(platform, {
        imports: [SessionModule.forRoot({ store: probe.store, secret: SECRET, cookie: COOKIE })],
      });
      const cookie = (await send(app.baseUrl, '/cart', { json: { item: 'tea' } })).cookie('sid');
      probe.down = true;
      for (const request of [
        send(app.baseUrl, '/cart', { cookie }),
        send(app.baseUrl, '/cart/note', { json: { note: 'lost' } }),
      ]) {
        const response = await request;
        expect(response.status).toBe(503);
        expect(response.json()).toEqual({ message: 'Service Unavailable', statusCode: 503 });
      }
    });
  });

  describe('a session grown past maxPayloadBytes', () => {
    it('answers Nest’s 413 JSON body with the reason, and the stored session stays', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store: memoryStore({ warn: false }),
            secret: SECRET,
            cookie: COOKIE,
            maxPayloadBytes: 1024,
          }),
        ],
      });
      const cookie = (await send(app.baseUrl, '/cart', { json: { item: 'tea' } })).cookie('sid');
      const tooLarge = await send(app.baseUrl, '/cart', { cookie, json: { item: 'x'.repeat(2048) } });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json()).toMatchObject({
        statusCode: 413,
        message: expect.stringContaining('maxPayloadBytes'),
      });
      expect(tooLarge.setCookies).toEqual([]);
      const after = await send(app.baseUrl, '/cart', { cookie });
      expect(after.json(), 'the session is not wedged').toEqual({ items: ['tea'] });
    });
  });

  describe('shutdown', () => {
    it('closes the store after the in-flight session write has finished', async () => {
      const store = gatedStore();
      const app = await boot(platform, {
        imports: [SessionModule.forRoot({ store, secret: SECRET, cookie: COOKIE })],
      });
      const login = send(app.baseUrl, '/account/login', { json: { user: 'ada' } });
      await store.writeStarted;
      const closing = app.close();
      running = undefined;
      for (let i = 0; i < 20; i++) await tick();
      expect(store.log, 'the store stays open while a write is in flight').toEqual(['create:start']);
      store.release();
      const response = await login;
      await closing;
      expect(response.status).toBe(200);
      expect(response.cookie('sid')).toBeDefined();
      expect(store.log).toEqual(['create:start', 'create:end', 'close']);
    });

    it('leaves a Redis client the app passed to its store open', async () => {
      const redis = await redisStoreFactory({
        url: redisUrl(),
        prefix: `cloakroom-test:nest-shutdown:${crypto.randomUUID()}:`,
        failFast: false,
      });
      try {
        const app = await boot(platform, {
          imports: [SessionModule.forRoot({ store: redis.store, secret: SECRET, cookie: COOKIE })],
        });
        await signIn(app);
        await app.close();
        running = undefined;
        // The client still answers PING: the module did not close what the app passed in.
        await expect(redis.ready()).resolves.toBeUndefined();
      } finally {
        await redis.close();
      }
    });
  });

  describe('responses written around the framework', () => {
    async function bootRaw(): Promise<RunningApp> {
      return boot(platform, {
        imports: [
          SessionModule.forRoot({ store: memoryStore({ warn: false }), secret: SECRET, cookie: COOKIE }),
        ],
        controllers: [RawController, ...controllers],
      });
    }

    it('a head written on the Node response itself carries the cookie of a new session', async () => {
      const app = await bootRaw();
      const response = await send(app.baseUrl, '/raw/new');
      expect(response.body).toBe('raw');
      expect(response.headers['content-type']).toBe('text/plain');
      const cookie = response.cookie('sid');
      expect(cookie).toBeDefined();
      expect(await app.app.get(SessionService).readOnly(cookie).get('raw')).toBe('written');
    });

    it('a change made after the head left is saved before the response ends', async () => {
      const app = await bootRaw();
      const cookie = await signIn(app);
      const response = await send(app.baseUrl, '/raw/late', { cookie });
      expect(response.body).toBe('head sent;done');
      expect(await app.app.get(SessionService).readOnly(cookie).get('late')).toBe('saved');
    });

    it('a large stream carries the cookie and arrives whole', async () => {
      const app = await bootRaw();
      const response = await send(app.baseUrl, '/raw/large');
      expect(response.status).toBe(200);
      expect(response.body.length).toBe(512 * 1024);
      const cookie = response.cookie('sid');
      expect(cookie).toBeDefined();
      expect(await app.app.get(SessionService).readOnly(cookie).get('large')).toBe('streamed');
    });

    it('a store failure on a head written on the Node response answers 503 with no cookie', async () => {
      const probe = probeStore();
      const app = await boot(platform, {
        imports: [SessionModule.forRoot({ store: probe.store, secret: SECRET, cookie: COOKIE })],
        controllers: [RawController, ...controllers],
      });
      probe.down = true;
      for (const path of ['/raw/new', '/raw/events']) {
        const response = await send(app.baseUrl, path);
        expect(response.status, path).toBe(503);
        expect(response.json(), path).toEqual({ message: 'Service Unavailable', statusCode: 503 });
        expect(response.setCookies, path).toEqual([]);
      }
    });

    it('server-sent events carry the cookie in their head', async () => {
      const app = await bootRaw();
      const response = await send(app.baseUrl, '/raw/events');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(response.body).toContain('data: {"n":2}');
      const cookie = response.cookie('sid');
      expect(cookie).toBeDefined();
      expect(await app.app.get(SessionService).readOnly(cookie).get('sse')).toBe('subscribed');
    });
  });

  describe('secure requests', () => {
    it('cookie.secure "auto" follows the platform’s own proxy-aware protocol', async () => {
      const app = await boot(platform, {
        imports: [
          SessionModule.forRoot({
            store: memoryStore({ warn: false }),
            secret: SECRET,
            cookie: { name: 'sid', secure: 'auto' },
          }),
        ],
        fastify: { trustProxy: true },
        configure: (nest) => {
          if (platform === 'express') nest.getHttpAdapter().getInstance().set('trust proxy', true);
        },
      });
      const plain = await send(app.baseUrl, '/account/login', { json: { user: 'ada' } });
      expect(plain.setCookies[0]).toMatch(/^sid=/);
      expect(plain.setCookies[0]).not.toMatch(/;\s*Secure/i);
      const proxied = await send(app.baseUrl, '/account/login', {
        json: { user: 'ada' },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(proxied.setCookies[0]).toMatch(/;\s*Secure/i);
    });
  });
});

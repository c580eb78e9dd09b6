// One small app per adapter, built the way a user of that framework would, listening on an ephemeral
// loopback port. Every app answers the same routes:
//   GET  /read?key=k             reads k (never writes)            → { "value": … | null }
//   POST /write?key=k&value=v    sets k                            → { "ok": true }
//   POST /slow-write?key&value&gate loads the session, waits until the test opens the gate (see gate()),
//                                then sets k (a slow handler: the commit
//                                comes last, against the version it loaded)
//   POST /destroy                destroys the session              → { "ok": true }
// Errors answer their `status` (503 for a store failure), else 500, as `{ "error": … }`.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  listen,
  type Running,
  type ScenarioManagerInput,
  type ScenarioOptions,
  scenarioManagerOptions,
  scenarioOptions,
} from '@cloakroom/session-adapter-test';
import type { Session, SessionManagerOptions } from '@cloakroom/session-core';
import { session as expressSession } from '@cloakroom/session-express';
import { session as honoSession, type SessionEnv } from '@cloakroom/session-hono';
import { session as koaSession } from '@cloakroom/session-koa';
import { Session as NestSession, SessionModule } from '@cloakroom/session-nest';
import { getRequestListener } from '@hono/node-server';
import { Controller, Get, HttpCode, Module, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import Koa from 'koa';

/** The adapters an app can be built with. */
export type AdapterName = 'express' | 'koa' | 'hono' | 'nest';

/** Every adapter, in the order tests list them. */
export const ADAPTERS: readonly AdapterName[] = ['express', 'koa', 'hono', 'nest'];

const loopback: ScenarioOptions = {
  ...scenarioOptions,
  cookie: { ...scenarioOptions.cookie, domain: undefined },
};

/**
 * The core options these apps are built with: the scenario suite's, without `Domain=localhost`. The tests
 * reach the apps at 127.0.0.1, where a browser (and the tests' tough-cookie jar) refuses a cookie for
 * another host.
 */
export function appOptions(input: ScenarioManagerInput): SessionManagerOptions {
  return scenarioManagerOptions(input, loopback);
}

/** An app listening on loopback. */
export interface RunningApp {
  readonly adapter: AdapterName;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Stops listening, closes the manager (waits for commits in flight). */
  close(): Promise<void>;
}

type AnySession = Session<Record<string, unknown>>;

/** A point a slow handler stops at until the test lets it go: ordering by events, never by sleeping. */
export interface Gate {
  readonly name: string;
  /** Resolves once a handler has loaded its session and is waiting at the gate. */
  readonly reached: Promise<void>;
  release(): void;
}

const gates = new Map<string, { arrive: () => void; released: Promise<void> }>();
let gateCount = 0;

/** Opens a gate for one `/slow-write?gate=<name>` request. */
export function gate(): Gate {
  const name = `gate-${++gateCount}`;
  let arrive: () => void = () => {};
  let release: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  gates.set(name, { arrive, released });
  return {
    name,
    reached,
    release: () => {
      gates.delete(name);
      release();
    },
  };
}

async function hold(name: string): Promise<void> {
  const waiting = gates.get(name);
  if (waiting === undefined) throw new Error(`no gate named ${JSON.stringify(name)}`);
  waiting.arrive();
  await waiting.released;
}

function statusOf(error: unknown): number {
  const { status } = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown };
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

async function read(session: AnySession, key: string): Promise<{ value: unknown }> {
  return (await session.exists()) ? { value: (await session.get(key)) ?? null } : { value: null };
}

/** The app served by the kit's `listen`; closing it stops the server, then the session manager. */
function served(adapter: AdapterName, server: Running, manager: { close(): Promise<void> }): RunningApp {
  return {
    adapter,
    port: server.port,
    baseUrl: server.baseUrl,
    async close() {
      await server.close();
      await manager.close();
    },
  };
}

async function expressApp(options: SessionManagerOptions): Promise<RunningApp> {
  const app = express();
  const sessions = expressSession(options);
  app.use(sessions);
  const route =
    (handler: (req: Request, res: Response) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      handler(req, res).catch(next);
    };
  app.get(
    '/read',
    route(async (req, res) =>
      res.json(await read(req.session as unknown as AnySession, text(req.query.key))),
    ),
  );
  app.post(
    '/write',
    route(async (req, res) => {
      (req.session as unknown as AnySession).set(text(req.query.key), text(req.query.value));
      res.json({ ok: true });
    }),
  );
  app.post(
    '/slow-write',
    route(async (req, res) => {
      await req.session.exists();
      await hold(text(req.query.gate));
      (req.session as unknown as AnySession).set(text(req.query.key), text(req.query.value));
      res.json({ ok: true });
    }),
  );
  app.post(
    '/destroy',
    route(async (req, res) => {
      req.session.destroy();
      res.json({ ok: true });
    }),
  );
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (process.env.RESILIENCE_DEBUG) console.error(error);
    if (res.headersSent) return next(error);
    res.status(statusOf(error)).json({ error: 'failed' });
  });
  return served('express', await listen(app), sessions.manager);
}

async function koaApp(options: SessionManagerOptions): Promise<RunningApp> {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = statusOf(error);
      ctx.body = { error: 'failed' };
    }
  });
  const sessions = koaSession(options);
  app.use(sessions);
  app.use(async (ctx) => {
    const key = text(ctx.query.key);
    switch (`${ctx.method} ${ctx.path}`) {
      case 'GET /read':
        ctx.body = await read(ctx.session, key);
        return;
      case 'POST /write':
        ctx.session.set(key, text(ctx.query.value));
        ctx.body = { ok: true };
        return;
      case 'POST /slow-write':
        await ctx.session.exists();
        await hold(text(ctx.query.gate));
        ctx.session.set(key, text(ctx.query.value));
        ctx.body = { ok: true };
        return;
      case 'POST /destroy':
        ctx.session.destroy();
        ctx.body = { ok: true };
        return;
      default:
        ctx.status = 404;
    }
  });
  return served('koa', await listen(app.callback()), sessions.manager);
}

async function honoApp(options: SessionManagerOptions): Promise<RunningApp> {
  const app = new Hono<SessionEnv>();
  app.onError((error, c) => {
    const status = (error instanceof HTTPException ? error.status : 500) as ContentfulStatusCode;
    return c.json({ error: 'failed' }, status);
  });
  const sessions = honoSession(options);
  app.use(sessions);
  app.get('/read', async (c) => c.json(await read(c.get('session'), c.req.query('key') ?? '')));
  app.post('/write', (c) => {
    c.get('session').set(c.req.query('key') ?? '', c.req.query('value') ?? '');
    return c.json({ ok: true });
  });
  app.post('/slow-write', async (c) => {
    await c.get('session').exists();
    await hold(c.req.query('gate') ?? '');
    c.get('session').set(c.req.query('key') ?? '', c.req.query('value') ?? '');
    return c.json({ ok: true });
  });
  app.post('/destroy', (c) => {
    c.get('session').destroy();
    return c.json({ ok: true });
  });
  return served('hono', await listen(getRequestListener(app.fetch)), sessions.manager);
}

@Controller()
class ResilienceController {
  @Get('read')
  read(@NestSession() session: AnySession, @Query('key') key: string): Promise<{ value: unknown }> {
    return read(session, text(key));
  }

  @Post('write')
  @HttpCode(200)
  write(
    @NestSession() session: AnySession,
    @Query('key') key: string,
    @Query('value') value: string,
  ): { ok: true } {
    session.set(text(key), text(value));
    return { ok: true };
  }

  @Post('slow-write')
  @HttpCode(200)
  async slowWrite(
    @NestSession() session: AnySession,
    @Query('key') key: string,
    @Query('value') value: string,
    @Query('gate') gate: string,
  ): Promise<{ ok: true }> {
    await session.exists();
    await hold(text(gate));
    session.set(text(key), text(value));
    return { ok: true };
  }

  @Post('destroy')
  @HttpCode(200)
  destroy(@NestSession() session: AnySession): { ok: true } {
    session.destroy();
    return { ok: true };
  }
}

async function nestApp(options: SessionManagerOptions): Promise<RunningApp> {
  @Module({ imports: [SessionModule.forRoot(options)], controllers: [ResilienceController] })
  class ResilienceModule {}
  const app = await NestFactory.create(ResilienceModule, new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    adapter: 'nest',
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      (app.getHttpServer() as Server).closeAllConnections();
      await app.close(); // the module closes its manager on shutdown
    },
  };
}

/**
 * Builds and starts the app for `adapter` with these session options.
 * @example
 * const app = await startApp('koa', { store, secret });
 * await fetch(`${app.baseUrl}/read?key=a`);
 * await app.close();
 */
export function startApp(adapter: AdapterName, options: SessionManagerOptions): Promise<RunningApp> {
  switch (adapter) {
    case 'express':
      return expressApp(options);
    case 'koa':
      return koaApp(options);
    case 'hono':
      return honoApp(options);
    case 'nest':
      return nestApp(options);
  }
}

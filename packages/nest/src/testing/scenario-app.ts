// The scenario app of @cloakroom/session-adapter-test (its README lists the routes), as a Nest
// application on Express or Fastify, listening on an ephemeral loopback port.
import 'reflect-metadata';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { holdAtGate } from '@cloakroom/session-adapter-test';
import type { DynamicModule } from '@nestjs/common';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Module,
  Post,
  type Provider,
  Query,
  Redirect,
  StreamableFile,
  type Type,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Session } from '../session-decorator.ts';

export type Platform = 'express' | 'fastify';

type Data = Record<string, unknown>;

@Controller()
class ScenarioController {
  @Get('none')
  none(): string {
    return 'none';
  }

  @Get('get')
  async get(@Session() session: Session<Data>, @Query('key') key: string): Promise<{ value: unknown }> {
    return (await session.exists()) ? { value: await session.get(key) } : { value: null };
  }

  @Post('set')
  @HttpCode(200)
  set(@Session() session: Session<Data>, @Body() body: Data): { ok: true } {
    for (const [key, value] of Object.entries(body)) session.set(key, value);
    return { ok: true };
  }

  @Post('increment')
  @HttpCode(200)
  async increment(@Session() session: Session<Data>, @Query('key') key: string): Promise<{ value: unknown }> {
    const value = await session.update(key, (current) => Number(current ?? 0) + 1);
    return { value };
  }

  @Post('regenerate')
  @HttpCode(200)
  async regenerate(@Session() session: Session<Data>, @Query('gate') gate: string): Promise<{ ok: true }> {
    await holdAtGate(session, gate);
    session.regenerate();
    return { ok: true };
  }

  @Post('destroy')
  @HttpCode(200)
  destroy(@Session() session: Session<Data>): { ok: true } {
    session.destroy();
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session<Data>, @Body() body: { user: string }): { ok: true } {
    session.setUser(body.user);
    session.regenerate();
    return { ok: true };
  }

  @Get('user')
  async user(@Session() session: Session<Data>): Promise<{ user: string | null }> {
    return { user: await session.getUser() };
  }

  @Post('flash')
  @HttpCode(200)
  flash(@Session() session: Session<Data>, @Body() body: { message: string }): { ok: true } {
    session.flash('message', body.message);
    return { ok: true };
  }

  @Get('flash')
  async messages(@Session() session: Session<Data>): Promise<{ messages: unknown[] }> {
    return { messages: await session.consumeFlash('message') };
  }

  @Get('csrf-token')
  async csrfToken(@Session() session: Session<Data>): Promise<{ token: string }> {
    return { token: await session.csrfToken() };
  }

  @Post('form')
  @HttpCode(200)
  form(@Session() session: Session<Data>, @Body() body: { value?: string }): { ok: true } {
    session.set('form', body.value);
    return { ok: true };
  }

  @Post('write-redirect')
  @Redirect()
  writeRedirect(
    @Session() session: Session<Data>,
    @Query('key') key: string,
    @Query('value') value: string,
  ): { url: string; statusCode: number } {
    session.set(key, value);
    return { url: `/get?key=${key}`, statusCode: 302 };
  }

  @Post('stream')
  @HttpCode(200)
  stream(
    @Session() session: Session<Data>,
    @Query('key') key: string,
    @Query('value') value: string,
  ): StreamableFile {
    session.set(key, value);
    async function* chunks(): AsyncGenerator<string> {
      yield 'chunk-1\n';
      await tick();
      yield 'chunk-2\n';
    }
    return new StreamableFile(Readable.from(chunks()), { type: 'text/plain' });
  }

  @Post('fail')
  fail(@Session() session: Session<Data>, @Query('key') key: string, @Query('value') value: string): never {
    session.set(key, value);
    throw new Error('the handler failed after writing to the session');
  }
}

/** A running test app. */
export interface RunningApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** What {@link startApp} boots. */
export interface AppSpec {
  imports: Array<DynamicModule | Type<unknown>>;
  /** @default the scenario controller */
  controllers?: Array<Type<unknown>>;
  providers?: Provider[];
  /** Fastify's own options (e.g. `trustProxy`). */
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
  /** Runs after the app is created, before it listens (global filters, Express settings). */
  configure?: (app: INestApplication) => void;
}

/** Boots the spec with @nestjs/testing on the platform and listens on an ephemeral loopback port. */
export async function startApp(platform: Platform, spec: AppSpec): Promise<RunningApp> {
  @Module({
    imports: spec.imports,
    controllers: spec.controllers ?? [ScenarioController],
    providers: spec.providers ?? [],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false })
      : moduleRef.createNestApplication(new FastifyAdapter(spec.fastify), { logger: false });
  spec.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

// Issue 20: `@Session()` from @nestjs/common (an easy auto-import mistake) gives the very same session as
// ours, on both platforms, instead of a silent undefined.
import 'reflect-metadata';
import { memoryStore } from '@cloakroom/session-core';
import { Controller, Get, Module, Session as NestCommonSession, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Session } from './session-decorator.ts';
import { SessionModule } from './session-module.ts';

@Controller()
class MixedController {
  @Post('set')
  set(@NestCommonSession() session: Session, @Query('value') value: string): { ok: boolean } {
    session.set('value', value);
    return { ok: true };
  }

  @Get('get')
  async get(@Session() session: Session): Promise<{ value: unknown }> {
    return { value: (await session.get('value')) ?? null };
  }
}

@Module({
  imports: [
    SessionModule.forRoot({
      store: memoryStore({ warn: false }),
      secret: 'nest-decorator-test-secret-0123456789abcdef',
      cookie: { name: 'sid', secure: false },
    }),
  ],
  controllers: [MixedController],
})
class MixedModule {}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe.each(['express', 'fastify'] as const)("@nestjs/common's @Session() on %s", (platform) => {
  it('is the same session as @cloakroom/session-nest’s', async () => {
    const app = await NestFactory.create(
      MixedModule,
      platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    closers.push(() => app.close());
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const set = await fetch(`${url}/set?value=tea`, { method: 'POST' });
    expect(set.status).toBe(201);
    const cookie = set.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(cookie).toMatch(/^sid=/);
    const got = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await got.json()).toEqual({ value: 'tea' });
  });
});

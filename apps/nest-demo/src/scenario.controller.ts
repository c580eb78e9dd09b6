// The shared scenario app's routes (packages/adapter-test README), served under SCENARIO_PREFIX only with
// DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app: its
// SessionModule, body parsers, CSRF guard and exception filter. Not part of the demo itself.
import { Session } from '@cloakroom/session-nest';
import { Body, Controller, Get, Header, HttpCode, Post, Query, Redirect, Res } from '@nestjs/common';
import { holdAtGate, SCENARIO_PREFIX } from 'demo-kit';
import type { Response } from 'express';

// The scenarios write any key, not just the demo's.
type AnyKey = Session<Record<string, unknown>>;
type Ok = { ok: true };
const OK: Ok = { ok: true };

/** The scenario app, one handler per route of the suite. Nest answers POST with 201: these say 200. */
@Controller(SCENARIO_PREFIX)
export class ScenarioController {
  @Get('none')
  @Header('content-type', 'text/plain; charset=utf-8')
  none(): string {
    return 'none';
  }

  @Get('get')
  async get(@Session() session: AnyKey, @Query('key') key = ''): Promise<{ value: unknown }> {
    return (await session.exists()) ? { value: await session.get(key) } : { value: null };
  }

  @Post('set')
  @HttpCode(200)
  set(@Session() session: AnyKey, @Body() body: Record<string, unknown>): Ok {
    for (const [key, value] of Object.entries(body ?? {})) session.set(key, value);
    return OK;
  }

  @Post('increment')
  @HttpCode(200)
  async increment(@Session() session: AnyKey, @Query('key') key = ''): Promise<{ value: unknown }> {
    return { value: await session.update(key, (n) => Number(n ?? 0) + 1) };
  }

  @Post('regenerate')
  @HttpCode(200)
  async regenerate(@Session() session: AnyKey, @Query('gate') gate = ''): Promise<Ok> {
    await holdAtGate(session, gate);
    session.regenerate();
    return OK;
  }

  @Post('destroy')
  @HttpCode(200)
  destroy(@Session() session: AnyKey): Ok {
    session.destroy();
    return OK;
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: AnyKey, @Body('user') user: unknown): Ok {
    session.setUser(String(user));
    session.regenerate();
    return OK;
  }

  @Get('user')
  async user(@Session() session: AnyKey): Promise<{ user: string | null }> {
    return { user: await session.getUser() };
  }

  @Post('flash')
  @HttpCode(200)
  flash(@Session() session: AnyKey, @Body('message') message: unknown): Ok {
    session.flash('message', message);
    return OK;
  }

  @Get('flash')
  async messages(@Session() session: AnyKey): Promise<{ messages: unknown[] }> {
    return { messages: await session.consumeFlash('message') };
  }

  @Get('csrf-token')
  async csrfToken(@Session() session: AnyKey): Promise<{ token: string }> {
    return { token: await session.csrfToken() };
  }

  @Post('form')
  @HttpCode(200)
  form(@Session() session: AnyKey, @Body('value') value: unknown): Ok {
    session.set('form', value);
    return OK;
  }

  @Post('write-redirect')
  @Redirect()
  writeRedirect(
    @Session() session: AnyKey,
    @Query('key') key = '',
    @Query('value') value = '',
  ): { url: string; statusCode: number } {
    session.set(key, value);
    // Relative to the prefix, as the suite's client resolves it.
    return { url: `/get?key=${encodeURIComponent(key)}`, statusCode: 302 };
  }

  @Post('stream')
  @HttpCode(200)
  async stream(
    @Session() session: AnyKey,
    @Query('key') key = '',
    @Query('value') value = '',
    @Res() res: Response,
  ): Promise<void> {
    session.set(key, value);
    res.type('text/plain');
    res.write('chunk-1\n');
    await new Promise((resolve) => setImmediate(resolve));
    res.end('chunk-2\n');
  }

  @Post('fail')
  fail(@Session() session: AnyKey, @Query('key') key = '', @Query('value') value = ''): never {
    session.set(key, value);
    throw new Error('scenario failure after a write');
  }
}

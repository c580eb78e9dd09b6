// Test support (not exported): the shared scenario app (@cloakroom/session-adapter-test's route
// contract), written the way a Koa user would, with session() and csrf().
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { holdAtGate } from '@cloakroom/session-adapter-test';
import type { SessionManagerOptions } from '@cloakroom/session-core';
import type Koa from 'koa';
import type { ParameterizedContext } from 'koa';
import { csrf } from '../csrf.ts';
import { session } from '../session.ts';

async function readText(ctx: ParameterizedContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(ctx: ParameterizedContext): Promise<Record<string, unknown>> {
  const text = await readText(ctx);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The form fields: csrf() leaves them parsed when it read the token from the body; else read them. */
async function readForm(ctx: ParameterizedContext): Promise<Record<string, string>> {
  const parsed = (ctx.request as { body?: Record<string, string> }).body;
  return parsed ?? Object.fromEntries(new URLSearchParams(await readText(ctx)));
}

export function scenarioApp(KoaClass: typeof Koa, options: SessionManagerOptions): Koa {
  const app = new KoaClass();
  app.silent = true;
  // Errors answer `err.status ?? 500` as `{"error": "<status text>"}`, with the headers Koa would keep.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const { status, headers } = error as { status?: unknown; headers?: Record<string, string | string[]> };
      const code = typeof status === 'number' && STATUS_CODES[status] !== undefined ? status : 500;
      if (headers) ctx.set(headers);
      ctx.status = code;
      ctx.body = { error: STATUS_CODES[code] };
    }
  });
  app.use(session(options));
  app.use(csrf());
  app.use(async (ctx) => {
    const s = ctx.session;
    const key = String(ctx.query.key ?? '');
    const route = `${ctx.method} ${ctx.path}`;
    switch (route) {
      case 'GET /none':
        ctx.body = 'none';
        return;
      case 'GET /get':
        ctx.body = (await s.exists()) ? { value: await s.get(key) } : { value: null };
        return;
      case 'POST /set':
        for (const [name, value] of Object.entries(await readJson(ctx))) s.set(name, value);
        ctx.body = { ok: true };
        return;
      case 'POST /increment':
        ctx.body = { value: await s.update(key, (n) => (Number(n) || 0) + 1) };
        return;
      case 'POST /regenerate':
        await holdAtGate(s, ctx.query.gate);
        s.regenerate();
        ctx.body = { ok: true };
        return;
      case 'POST /destroy':
        s.destroy();
        ctx.body = { ok: true };
        return;
      case 'POST /login':
        s.setUser(String((await readJson(ctx)).user));
        s.regenerate();
        ctx.body = { ok: true };
        return;
      case 'GET /user':
        ctx.body = { user: await s.getUser() };
        return;
      case 'POST /flash':
        s.flash('message', (await readJson(ctx)).message);
        ctx.body = { ok: true };
        return;
      case 'GET /flash':
        ctx.body = { messages: await s.consumeFlash('message') };
        return;
      case 'GET /csrf-token':
        ctx.body = { token: await s.csrfToken() };
        return;
      case 'POST /form':
        s.set('form', (await readForm(ctx)).value);
        ctx.body = { ok: true };
        return;
      case 'POST /write-redirect':
        s.set(key, String(ctx.query.value));
        ctx.redirect(`/get?key=${encodeURIComponent(key)}`);
        return;
      case 'POST /stream':
        s.set(key, String(ctx.query.value));
        ctx.type = 'text/plain';
        ctx.body = Readable.from(
          (async function* () {
            yield 'chunk-1\n';
            await new Promise((resolve) => setImmediate(resolve));
            yield 'chunk-2\n';
          })(),
        );
        return;
      case 'POST /fail':
        s.set(key, String(ctx.query.value));
        throw new Error('scenario failure');
      default:
        ctx.status = 404;
    }
  });
  return app;
}

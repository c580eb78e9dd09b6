// Compiled by typing.test.ts: an app that augments SessionData gets a typed ctx.session.
import { memoryStore, type Session } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-koa';
import Koa from 'koa';
import Koa2 from 'koa2';

declare module '@cloakroom/session-koa' {
  interface SessionData {
    visits: number;
    cart: string[];
  }
}

const app = new Koa();
const middleware = session({ store: memoryStore(), secret: 'x'.repeat(32) });
app.use(middleware);
app.use(csrf());
new Koa2().use(middleware);

app.use(async (ctx, next) => {
  const visits: number | undefined = await ctx.session.get('visits');
  ctx.session.set('visits', (visits ?? 0) + 1);
  const cart: string[] = await ctx.session.update('cart', (items = []) => [...items, 'apple']);
  // @ts-expect-error: visits is a number
  ctx.session.set('visits', 'many');
  // @ts-expect-error: not a declared key
  await ctx.session.get('unknown');
  // @ts-expect-error: cart items are strings
  ctx.session.set('cart', [1]);
  ctx.body = { visits, cart, token: await ctx.session.csrfToken() };
  await next();
});

// The context type a handler annotates explicitly carries the session too.
export function handler(ctx: Koa.Context): Session<{ visits: number; cart: string[] }> {
  return ctx.session;
}

// The manager is typed with the app's data.
export const users: Promise<number> = middleware.manager.destroyUserSessions('alice');

// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and
// `ctx.session` follows on Koa 3 and 2. Each `@type-error` line must fail with exactly that code.
import { memoryStore, type Session } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-koa';
import Koa from 'koa';
import Koa2 from 'koa2';

declare module '@cloakroom/session-core' {
  interface AppSession {
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
  // Positive controls: the declared keys, with their declared types.
  const visits: number | undefined = await ctx.session.get('visits');
  ctx.session.set('visits', (visits ?? 0) + 1);
  const cart: string[] = await ctx.session.update('cart', (items = []) => [...items, 'apple']);
  // @type-error TS2345 a misspelled key
  await ctx.session.get('vists');
  // @type-error TS2345 a misspelled key
  ctx.session.set('crat', []);
  // @type-error TS2345 visits is a number
  ctx.session.set('visits', 'many');
  // @type-error TS2322 cart items are strings
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

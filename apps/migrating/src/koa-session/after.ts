// The same app on Cloakroom: @cloakroom/session-koa with a server-side store.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const app = new Koa();

const sessions = session({
  secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
  store: memoryStore(), // one process; @cloakroom/session-redis (or -memcached, -kysely) for several
  idleTimeout: 24 * 60 * 60, // seconds, where koa-session's maxAge took milliseconds
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.use(sessions);

app.use(async (ctx) => {
  if (ctx.method === 'POST' && ctx.path === '/sign-in') {
    ctx.session.setUser('ada'); // after checking the password
    ctx.session.regenerate(); // a new id on every privilege change
    ctx.body = { ok: true };
  } else if (ctx.method === 'GET' && ctx.path === '/me') {
    const user = await ctx.session.getUser();
    const visits = user ? await ctx.session.update('visits', (n = 0) => n + 1) : 0;
    ctx.body = { user, visits };
  } else if (ctx.method === 'POST' && ctx.path === '/sign-out') {
    ctx.session.destroy(); // the record deleted: this cookie never works again
    ctx.body = { ok: true };
  }
});
// #endregion

export const close = async (): Promise<void> => {
  await sessions.manager.close();
};

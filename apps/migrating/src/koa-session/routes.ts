// The app's handlers on Cloakroom: the same whether the session is in a store or sealed into the cookie.
// #region routes
import type { Middleware } from 'koa';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const routes: Middleware = async (ctx) => {
  if (ctx.method === 'POST' && ctx.path === '/sign-in') {
    ctx.session.setUser('ada'); // after checking the password
    ctx.session.regenerate(); // a new id on every privilege change (the data is kept)
    ctx.body = { ok: true };
  } else if (ctx.method === 'GET' && ctx.path === '/me') {
    const user = await ctx.session.getUser();
    const visits = user ? await ctx.session.update('visits', (n = 0) => n + 1) : 0;
    ctx.body = { user, visits };
  } else if (ctx.method === 'POST' && ctx.path === '/sign-out') {
    ctx.session.destroy(); // the session ended, its cookie expired
    ctx.body = { ok: true };
  }
};
// #endregion

// The app before the move: koa-session in its default cookie mode (the session is the signed cookie).
// #region app
import Koa from 'koa';
import session from 'koa-session';

export const app = new Koa();
app.keys = [process.env.SESSION_SECRET!]; // koa-session signs its cookie with app.keys

app.use(
  session(
    {
      key: 'koa.sess',
      maxAge: 24 * 60 * 60 * 1000,
      httpOnly: true,
      signed: true,
      rolling: false,
      renew: false,
      sameSite: 'lax',
    },
    app,
  ),
);

app.use(async (ctx) => {
  if (ctx.method === 'POST' && ctx.path === '/sign-in') {
    ctx.session.user = 'ada'; // after checking the password
    ctx.body = { ok: true };
  } else if (ctx.method === 'GET' && ctx.path === '/me') {
    if (ctx.session.user) ctx.session.visits = (ctx.session.visits ?? 0) + 1;
    ctx.body = { user: ctx.session.user ?? null, visits: ctx.session.visits ?? 0 };
  } else if (ctx.method === 'POST' && ctx.path === '/sign-out') {
    ctx.session = null;
    ctx.body = { ok: true };
  }
});
// #endregion

export const close = async (): Promise<void> => {};

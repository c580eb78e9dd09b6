// koa-session in its default cookie mode (the session is the signed cookie).
import Koa from 'koa';
import koaSession from 'koa-session';
import { announce, IDLE_SECONDS, PORT, SECRET, text } from './common.ts';

const app = new Koa();
app.keys = [SECRET];
app.use(koaSession({ key: 'koa.sess', maxAge: IDLE_SECONDS * 1000, secure: false, httpOnly: true }, app));
app.use((ctx) => {
  // Cloakroom's Koa adapter also declares `ctx.session` in this TypeScript program: typed here by hand.
  // Read only in the session routes: the getter is what makes cookie mode parse the cookie.
  if (ctx.path === '/none') ctx.body = 'ok';
  else if (ctx.path === '/read') ctx.body = text((ctx.session as unknown as { n?: number }).n);
  else if (ctx.path === '/write') {
    const session = ctx.session as unknown as { n?: number };
    session.n = (session.n ?? 0) + 1;
    ctx.body = text(session.n);
  }
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));

// Cloakroom on Koa, memory store.
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';
import { announce, cloakroomManager, PORT, text } from './common.ts';

const app = new Koa();
app.use(session(await cloakroomManager('memory')));
app.use(async (ctx) => {
  if (ctx.path === '/none') ctx.body = 'ok';
  else if (ctx.path === '/read') ctx.body = text(await ctx.session.get('n'));
  else if (ctx.path === '/write') ctx.body = text(await ctx.session.update('n', (n) => Number(n ?? 0) + 1));
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));

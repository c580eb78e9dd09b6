// Koa with no session: the baseline of the Koa group.
import Koa from 'koa';
import { announce, PORT } from './common.ts';

const app = new Koa();
app.use((ctx) => {
  if (ctx.path === '/none') ctx.body = 'ok';
  else if (ctx.path === '/read') ctx.body = '0';
  else if (ctx.path === '/write') ctx.body = '1';
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));

// The Cloakroom app on Koa that every koa-cloakroom-<kind> variant serves.
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';
import { announce, type CloakroomKind, cloakroomManager, PORT, text } from '../common.ts';

/** Serves /none, /read and /write with Cloakroom on `kind`, and tells the harness the port. */
export async function serveCloakroom(kind: CloakroomKind): Promise<void> {
  const app = new Koa();
  app.use(session(await cloakroomManager(kind)));
  app.use(async (ctx) => {
    if (ctx.path === '/none') ctx.body = 'ok';
    else if (ctx.path === '/read') ctx.body = text(await ctx.session.get('n'));
    else if (ctx.path === '/write') ctx.body = text(await ctx.session.update('n', (n) => Number(n ?? 0) + 1));
  });
  const server = app.listen(PORT, '127.0.0.1', () => announce(server));
}

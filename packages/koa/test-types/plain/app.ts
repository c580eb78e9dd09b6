// Compiled by typing.test.ts: without augmentation ctx.session holds any JSON record.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';

const app = new Koa();
app.use(session({ store: memoryStore(), secret: 'x'.repeat(32) }));
app.use(async (ctx) => {
  const anything: unknown = await ctx.session.get('anything');
  ctx.session.set('count', 1);
  ctx.session.set('nested', { a: [1, 2] });
  ctx.session.setUser('alice');
  // @ts-expect-error: setUser takes a string or null
  ctx.session.setUser(42);
  // @ts-expect-error: data and methods stay apart: no property access to values
  ctx.session.count;
  ctx.body = { anything };
});

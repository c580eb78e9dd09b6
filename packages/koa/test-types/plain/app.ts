// Type test (scripts/type-fixtures.mjs): with nothing declared, `ctx.session` holds any JSON record.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';

const app = new Koa();
app.use(session({ store: memoryStore(), secret: 'x'.repeat(32) }));
app.use(async (ctx) => {
  // Positive controls: any key, any JSON value, read back as unknown.
  const anything: unknown = await ctx.session.get('anything');
  ctx.session.set('count', 1);
  ctx.session.set('nested', { a: [1, 2] });
  ctx.session.setUser('alice');
  // @type-error TS2322 values are unknown until narrowed
  const count: number | undefined = await ctx.session.get('count');
  // @type-error TS2345 setUser takes a string or null
  ctx.session.setUser(42);
  // @type-error TS2339 data and methods stay apart: no property access to values
  ctx.session.count;
  ctx.body = { anything, count };
});

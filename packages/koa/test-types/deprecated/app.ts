// Type test (scripts/type-fixtures.mjs): an app that still augments the adapter's own (deprecated)
// SessionData gets a typed `ctx.session`, as before core's AppSession existed.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';

declare module '@cloakroom/session-koa' {
  interface SessionData {
    visits: number;
  }
}

const app = new Koa();
app.use(session({ store: memoryStore(), secret: 'x'.repeat(32) }));
app.use(async (ctx) => {
  // Positive control.
  const visits: number | undefined = await ctx.session.get('visits');
  // @type-error TS2345 a misspelled key
  ctx.session.set('vists', 1);
  ctx.body = { visits };
});

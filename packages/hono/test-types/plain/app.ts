// Type test (scripts/type-fixtures.mjs): with nothing declared, `c.get('session')` holds any JSON record.
import { memoryStore } from '@cloakroom/session-core';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';

const app = new Hono<SessionEnv>();
app.use(session({ store: memoryStore(), secret: 'x'.repeat(32) }));
app.get('/', async (c) => {
  // Positive controls: any key, any JSON value, read back as unknown.
  const anything: unknown = await c.get('session').get('anything');
  c.get('session').set('nested', { a: [1, 2] });
  // @type-error TS2322 values are unknown until narrowed
  const count: number | undefined = await c.get('session').get('count');
  // @type-error TS2345 setUser takes a string or null
  c.get('session').setUser(42);
  return c.json({ anything, count });
});

// Type test (scripts/type-fixtures.mjs): one app may still pass its data type through `Variables`, beside
// its own variables and bindings, and `session<Data>()` types the variable it registers.
import { memoryStore, type Session } from '@cloakroom/session-core';
import { type SessionVariables, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';

type Cart = { items: string[]; visits: number };
type Env = { Variables: SessionVariables<Cart> & { requestId: string }; Bindings: { KV: string } };

const app = new Hono<Env>();
app.use(session<Cart>({ store: memoryStore(), secret: 'x'.repeat(32) }));
app.get('/', async (c) => {
  // Positive controls: the app's own variable, and the session typed by Cart.
  const requestId: string = c.get('requestId');
  const current: Session<Cart> = c.get('session');
  const visits: number | undefined = await current.get('visits');
  const items: string[] = await current.update('items', (list = []) => [...list, 'apple']);
  // @type-error TS2345 a misspelled key
  await current.get('vists');
  // @type-error TS2345 visits is a number
  current.set('visits', 'many');
  return c.json({ requestId, visits, items });
});

new Hono().use(session<Cart>({ store: memoryStore(), secret: 'x'.repeat(32) })).get('/', async (c) => {
  // Positive control: the variable registered by the chained middleware.
  const current: Session<Cart> = c.get('session');
  // @type-error TS2345 not a key of Cart
  current.set('unknown', 1);
  return c.text(String(await current.has('items')));
});

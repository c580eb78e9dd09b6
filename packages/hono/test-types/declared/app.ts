// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and
// `c.get('session')` follows with the default `SessionEnv`, and in an app that declares no Env at all.
// Each `@type-error` line must fail with exactly that code.
import { memoryStore, type Session } from '@cloakroom/session-core';
import { csrf, type SessionEnv, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
    cart: string[];
  }
}

const app = new Hono<SessionEnv>();
const middleware = session({ store: memoryStore(), secret: 'x'.repeat(32) });
app.use(middleware);
app.use(csrf());
app.get('/', async (c) => {
  const current = c.get('session');
  // Positive controls: the declared keys, with their declared types.
  const visits: number | undefined = await current.get('visits');
  current.set('visits', (visits ?? 0) + 1);
  const cart: string[] = await current.update('cart', (items = []) => [...items, 'apple']);
  // @type-error TS2345 a misspelled key
  await current.get('vists');
  // @type-error TS2345 a misspelled key
  current.set('crat', []);
  // @type-error TS2345 visits is a number
  current.set('visits', 'many');
  // @type-error TS2322 cart items are strings
  current.set('cart', [1]);
  return c.json({ visits, cart });
});

// Chained on an app that declares no Env, the middleware registers the variable with the same type.
new Hono().use(middleware).get('/', async (c) => {
  const session: Session<{ visits: number; cart: string[] }> = c.get('session');
  // @type-error TS2345 a misspelled key
  session.set('crat', []);
  return c.text(String(await session.has('visits')));
});

// The manager is typed with the app's data.
export const users: Promise<number> = middleware.manager.destroyUserSessions('alice');

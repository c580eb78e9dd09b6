// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and
// `request.session` follows. Each `@type-error` line must fail with exactly that code.
import { createSessionManager, memoryStore } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-fastify';
import Fastify from 'fastify';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
    cart: string[];
  }
}

const app = Fastify();
await app.register(session, { store: memoryStore(), secret: 'x'.repeat(32) });
app.addHook('preHandler', csrf({ requireToken: 'all' }));

app.get('/', async (request) => {
  // Positive controls: the declared keys, with their declared types.
  const visits: number | undefined = await request.session.get('visits');
  request.session.set('visits', (visits ?? 0) + 1);
  const cart: string[] = await request.session.update('cart', (items = []) => [...items, 'apple']);
  // @type-error TS2345 a misspelled key
  await request.session.get('vists');
  // @type-error TS2345 a misspelled key
  request.session.set('crat', []);
  // @type-error TS2345 visits is a number
  request.session.set('visits', 'many');
  // @type-error TS2322 cart items are strings
  request.session.set('cart', [1]);
  return { visits, cart, token: await request.session.csrfToken() };
});

// The manager is on the instance, typed with the app's data; a ready manager is accepted too.
export const users: Promise<number> = app.sessionManager.destroyUserSessions('alice');
const manager = createSessionManager({ store: memoryStore(), secret: 'x'.repeat(32) });
await Fastify().register(session, { manager });
// @type-error TS2769 core's options need a secret (no overload of register matches)
await Fastify().register(session, { store: memoryStore() });

// Type test (typecheck script): the app declares its data once and `request.session` follows. Each
// `@ts-expect-error` line must fail to compile.
import { memoryStore } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-fastify';
import Fastify from 'fastify';

declare module '@cloakroom/session-fastify' {
  interface SessionData {
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
  // @ts-expect-error a misspelled key
  await request.session.get('vists');
  // @ts-expect-error visits is a number
  request.session.set('visits', 'many');
  // @ts-expect-error cart items are strings
  request.session.set('cart', [1]);
  return { visits, cart, token: await request.session.csrfToken() };
});

// The manager is on the instance, typed with the app's data.
export const users: Promise<number> = app.sessionManager.destroyUserSessions('alice');
// @ts-expect-error the plugin's options are core's: a secret is required
app.register(session, { store: memoryStore() });

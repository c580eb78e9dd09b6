// Type test (scripts/type-fixtures.mjs): with nothing declared, `request.session` takes any string key
// with `unknown` values. Each `@type-error` line must fail with exactly that code.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(session, { store: memoryStore(), secret: 'x'.repeat(32) });

app.get('/', async (request) => {
  // Positive controls: any key, any value.
  request.session.set('anything', { nested: [1, 'two'] });
  const value: unknown = await request.session.get('anything');
  // @type-error TS2322 values are unknown until declared
  const typed: number | undefined = await request.session.get('anything');
  return { value, typed };
});

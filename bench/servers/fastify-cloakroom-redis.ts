// Cloakroom on Fastify, redis store.
import { session } from '@cloakroom/session-fastify';
import Fastify from 'fastify';
import { cloakroomManager, PORT, text } from './common.ts';

const app = Fastify();
await app.register(session, { manager: await cloakroomManager('redis') });
app.get('/none', async () => 'ok');
app.get('/read', async (request) => text(await request.session.get('n')));
app.get('/write', async (request) =>
  text(await request.session.update('n', (n: unknown) => Number(n ?? 0) + 1)),
);
const address = new URL(await app.listen({ port: PORT, host: '127.0.0.1' }));
process.stdout.write(`ready ${address.port}\n`);

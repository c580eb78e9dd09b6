// Fastify with no session: the baseline of the Fastify group.
import Fastify from 'fastify';
import { PORT } from './common.ts';

const app = Fastify();
app.get('/none', async () => 'ok');
app.get('/read', async () => '0');
app.get('/write', async () => '1');
const address = new URL(await app.listen({ port: PORT, host: '127.0.0.1' }));
process.stdout.write(`ready ${address.port}\n`);

// Next.js 16 (App Router Route Handlers, production build) behind Node's http server, BENCH_MODE=redis.
// The harness builds servers/next-app once (next build) before it starts this file.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { announce, PORT } from './common.ts';

process.env.BENCH_MODE = 'redis';
const app = next({ dev: false, dir: fileURLToPath(new URL('./next-app/', import.meta.url)), quiet: true });
await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((request, response) => {
  void handle(request, response);
});
server.listen(PORT, '127.0.0.1', () => announce(server));

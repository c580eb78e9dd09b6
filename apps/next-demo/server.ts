// `pnpm start`: serves the production build (`next build` → .next/) from this process, the way a custom
// Next server does, so the demo keeps the contract every demo keeps: one `listening on
// http://127.0.0.1:<port>` line once it answers, PORT=0 for a free port, one store per process, and on
// SIGTERM the server closed, then the session managers (writes in flight), then the store.
// Node runs this file as is (type stripping, Node 22.18 or newer).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serveUntilSignal, setUpDemo } from 'demo-kit';
import { demoProcess } from './lib/session-process.ts';

// What `next start` sets: the production build, and no telemetry.
Object.assign(process.env, { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' });

const shared = demoProcess();
// Opened before Next loads lib/session.ts, which picks this very setup up from globalThis. A bad variable
// or an unreachable SQL server ends the process here, before it listens.
shared.setup = setUpDemo();
const { config, store } = await shared.setup;

const { default: next } = await import('next');
const app = next({
  dev: false,
  dir: fileURLToPath(new URL('.', import.meta.url)),
  hostname: config.host,
  port: config.port,
});
await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((request, response) => {
  void handle(request, response);
});

serveUntilSignal(server.listen(config.port, config.host), async () => {
  await Promise.all([...shared.managers].map((manager) => manager.close()));
  await app.close();
  await store.close();
});

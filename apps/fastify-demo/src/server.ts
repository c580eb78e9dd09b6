import { serveUntilSignal, setUpDemo } from 'demo-kit';
import { createApp } from './app.ts';

const { config, store, sessionOptions } = await setUpDemo();
const app = await createApp(sessionOptions, config.scenarioRoutes);

// Fastify's listen() resolves with the address; serveUntilSignal watches app.server for it (and for a
// port already taken), prints the listening line, and shuts down on SIGTERM.
app.listen({ port: config.port, host: config.host }).catch(() => undefined);
serveUntilSignal(app.server, async () => {
  await app.sessionManager.close(); // waits for commits in flight
  await store.close();
});

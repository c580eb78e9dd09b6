import { serve } from '@hono/node-server';
import { serveUntilSignal, setUpDemo } from 'demo-kit';
import { createApp } from './app.ts';

const { config, store, sessionOptions } = await setUpDemo();
const { app, sessions } = createApp(sessionOptions, config.scenarioRoutes);

serveUntilSignal(serve({ fetch: app.fetch, port: config.port, hostname: config.host }), async () => {
  await sessions.manager.close(); // waits for commits in flight
  await store.close();
});

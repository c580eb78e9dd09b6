import { serveUntilSignal, setUpDemo } from 'demo-kit';
import { createApp } from './app.ts';

const { config, store, sessionOptions } = await setUpDemo();
const { app, sessions } = createApp(sessionOptions, config.scenarioRoutes);

serveUntilSignal(app.listen(config.port, config.host), async () => {
  await sessions.manager.close(); // waits for commits in flight
  await store.close();
});

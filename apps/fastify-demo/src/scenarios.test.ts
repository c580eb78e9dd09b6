// The adapters' shared scenario suite against this app's scenario routes (DEMO_SCENARIO_ROUTES), in
// process on the memory store, until apps/e2e starts this demo too.
import { describeAdapterTargets } from '@cloakroom/session-adapter-test';
import { SCENARIO_PREFIX } from 'demo-kit';
import { createApp } from './app.ts';

describeAdapterTargets('fastify-demo scenario routes', {
  start: async (options) => {
    const app = await createApp(options, true);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { baseUrl: `${url}${SCENARIO_PREFIX}`, close: () => app.close() };
  },
});

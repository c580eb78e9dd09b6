import { describeAdapterScenarios, scenarioGroups, scenarioOptions } from '@cloakroom/session-adapter-test';
import { appClock, remoteStore, resetStoreCalls, startApp, storeCalls } from '../src/testing/app-server.ts';

// The shared HTTP scenarios against the test app's Route Handlers (withSession), served by `next start`,
// with the memory store. The outage group needs a store that can be stopped: see scenarios-redis.test.ts.
describeAdapterScenarios('next 16 · Route Handlers · memory store', {
  options: scenarioOptions,
  capabilities: { clock: true, storeCalls: true, store: true, storeControl: false },
  groups: scenarioGroups.filter((group) => group !== 'outage'),
  async setup() {
    const app = await startApp({ TEST_APP_STORE: 'memory' });
    return {
      baseUrl: app.baseUrl,
      hooks: {
        clock: await appClock(app.baseUrl),
        storeCalls: () => storeCalls(app.baseUrl),
        resetStoreCalls: () => resetStoreCalls(app.baseUrl),
        store: remoteStore(app.baseUrl),
      },
      close: () => app.close(),
    };
  },
});

import { describeAdapterScenarios, scenarioGroups, scenarioOptions } from '@cloakroom/session-adapter-test';
import { sealedCookies } from '@cloakroom/session-core';
import { appClock, remoteStore, startApp } from '../src/testing/app-server.ts';

// The shared HTTP scenarios against the test app's Route Handlers in sealed-cookie mode
// (TEST_APP_STORE=sealed: `sealedCookies()` over a memory revocation store inside the app, so destroy,
// regenerate and sign-out hold). The suite's `store` hook is a sealedCookies() of its own over the app's
// revocation store (through the test hook), so the rotation scenario seals its cookie under the retired
// secret as an older deploy would have. Declared not run by the suite, with the reason: what needs
// server-side state (sealed sessions keep none), store-call counts (there is no session store), the
// second instance and the outage (one `next start`, to keep the run short).
describeAdapterScenarios('next 16 · Route Handlers · sealed cookies', {
  options: scenarioOptions,
  capabilities: { clock: true, storeCalls: false, store: true, storeControl: false, serverState: false },
  groups: scenarioGroups,
  async setup() {
    const app = await startApp({ TEST_APP_STORE: 'sealed' });
    return {
      baseUrl: app.baseUrl,
      hooks: {
        clock: await appClock(app.baseUrl),
        store: sealedCookies({ revocation: remoteStore(app.baseUrl) }),
      },
      close: () => app.close(),
    };
  },
});

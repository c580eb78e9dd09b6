// The test-only build of the scenario app for Bun, Deno and workerd: the package's scenario app (the
// kit's route contract) on a clock the test moves, plus the kit's control routes under /__control:
// the clock, the store-call counts and the store, through which the suite mints a cookie under a
// retired secret. Over a memory store, or in sealed-cookie mode with a memory revocation store (the
// store the control routes reach). Bundled by build.ts for runtimes.test.ts only: no entry of the
// published package.
import { controlRoutes } from '@cloakroom/session-adapter-test';
import { countingStore, scenarioManagerOptions, scenarioOptions } from '@cloakroom/session-adapter-test/kit';
import { memoryStore, sealedCookies } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { scenarioApp } from '../testing/scenario-app.ts';

/** Where the control routes are mounted. */
const CONTROL = '/__control';

/** The scenario app and its control routes: sessions in a memory store, or sealed into the cookie. */
export function controlledScenarioApp(mode: 'memory' | 'sealed'): Hono {
  let current = Date.now();
  const now = (): number => current;
  const store = countingStore(memoryStore({ now, warn: false, sweepInterval: 0 }));
  const control = controlRoutes({
    store,
    setNow: (ms) => {
      current = ms;
    },
  });
  const app = new Hono();
  app.all(`${CONTROL}/*`, (c) => control(c.req.method, c.req.path.slice(CONTROL.length), c.req.raw));
  const sessions = mode === 'memory' ? store : sealedCookies({ revocation: store });
  app.route('/', scenarioApp(scenarioManagerOptions({ store: sessions, now }, scenarioOptions)));
  return app;
}

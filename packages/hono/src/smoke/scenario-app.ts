// The test-only build of the scenario app for Bun, Deno and workerd: the package's scenario app (the
// kit's route contract) over a counting memory store and a clock the test moves, plus the kit's control
// routes under /__control (clock, store-call counts, the store a cookie under a retired secret is
// minted through). Bundled by build.ts for runtimes.test.ts only: it is no entry of the published package.
import { controlRoutes } from '@cloakroom/session-adapter-test';
import { countingStore, scenarioManagerOptions, scenarioOptions } from '@cloakroom/session-adapter-test/kit';
import { memoryStore } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { scenarioApp } from '../testing/scenario-app.ts';

const CONTROL = '/__control';

let current = Date.now();
const now = (): number => current;
const store = countingStore(memoryStore({ now, warn: false, sweepInterval: 0 }));
const control = controlRoutes({
  store,
  setNow: (ms) => {
    current = ms;
  },
});

const app: Hono = new Hono();
app.all(`${CONTROL}/*`, (c) => control(c.req.method, c.req.path.slice(CONTROL.length), c.req.raw));
app.route('/', scenarioApp(scenarioManagerOptions({ store, now }, scenarioOptions)));

export default app;

// The shared HTTP scenario suite (@cloakroom/session-adapter-test) against each demo's built output.
// Over a separate process there is no clock and no store-call counter: those scenarios are declared
// "not run" through the suite's capabilities, by name, in the report.
import {
  describeAdapterScenarios,
  type RedisServer,
  startRedisServer,
} from '@cloakroom/session-adapter-test';
import { ABSOLUTE_TIMEOUT, describeDemos, IDLE_TIMEOUT, startMany } from './fixtures.ts';
import { type RunningDemo, randomSecret } from './harness.ts';
import { demoScenarioOptions } from './scenario-options.ts';

describeDemos('the shared scenario suite', (demo) => {
  const prefix = demo.scenarioPrefix;
  const secret = randomSecret();
  const options = demoScenarioOptions(secret);
  describeAdapterScenarios(`${demo.name} · two processes on a private redis-server`, {
    options,
    // No clock, store-call counter or store handle reach into another process; a private
    // redis-server can be stopped and a second process serves as the peer.
    capabilities: { clock: false, storeCalls: false, store: false, storeControl: true, peer: true },
    async setup() {
      const redis: RedisServer = await startRedisServer();
      const apps: RunningDemo[] = [];
      const close = async () => {
        await Promise.all(apps.map((app) => app.stop()));
        await redis.close();
      };
      try {
        const env = {
          SESSION_STORE: 'redis',
          REDIS_URL: redis.url,
          SESSION_SECRET: secret,
          SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT),
          SESSION_ABSOLUTE_TIMEOUT: String(ABSOLUTE_TIMEOUT),
          DEMO_SCENARIO_ROUTES: '1',
        } as const;
        await startMany(demo, env, 2, apps);
      } catch (error) {
        await close();
        throw error;
      }
      return {
        baseUrl: `${apps[0]!.baseUrl}${prefix}`,
        hooks: {
          peerBaseUrl: `${apps[1]!.baseUrl}${prefix}`,
          storeDown: () => redis.stop(),
          storeUp: () => redis.start(),
        },
        close,
      };
    },
  });
});

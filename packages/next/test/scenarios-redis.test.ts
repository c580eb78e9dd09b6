import {
  describeAdapterScenarios,
  type RedisServer,
  scenarioOptions,
  startRedisServer,
} from '@cloakroom/session-adapter-test';
import { appClock, remoteStore, resetStoreCalls, startApp, storeCalls } from '../src/testing/app-server.ts';

// Every scenario group, outage included, against the test app on @cloakroom/session-redis (through the private @cloakroom/test-stores), with a
// private redis-server (it is stopped and restarted by the outage scenario; the machine's Redis is never
// touched). A second `next start` over the same Redis is the peer instance.
describeAdapterScenarios('next 16 · Route Handlers · redis store', {
  options: scenarioOptions,
  capabilities: { clock: true, storeCalls: true, store: true, storeControl: true, peer: true },
  async setup() {
    const redis: RedisServer = await startRedisServer();
    const env = {
      TEST_APP_STORE: 'redis',
      REDIS_URL: redis.url,
      TEST_APP_PREFIX: `cloakroom-next-${process.pid}:`,
    };
    const [app, peer] = await Promise.all([startApp(env), startApp(env)]);
    return {
      baseUrl: app.baseUrl,
      hooks: {
        clock: await appClock(app.baseUrl, peer.baseUrl),
        storeCalls: () => storeCalls(app.baseUrl),
        resetStoreCalls: () => resetStoreCalls(app.baseUrl),
        store: remoteStore(app.baseUrl),
        storeDown: () => redis.stop(),
        storeUp: () => redis.start(),
        peerBaseUrl: peer.baseUrl,
      },
      close: async () => {
        await Promise.all([app.close(), peer.close()]);
        await redis.close();
      },
    };
  },
});

// The demos on a private 3-master Redis Cluster (issue 21), started with REDIS_CLUSTER_NODES as an
// operator would: the shared scenario suite with two processes of each demo as peers, and "sign out
// everywhere" across processes for a user whose sessions live on every master.
import { describeAdapterScenarios } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, expect, it } from 'vitest';
// The Redis store's own Cluster launcher, shared rather than copied.
import { type PrivateCluster, startCluster } from '../../../packages/redis/src/testing/cluster.ts';
import { redisCli } from '../../../packages/redis/src/testing/redis-server.ts';
import { Agent } from './client.ts';
import { ABSOLUTE_TIMEOUT, describeDemos, IDLE_TIMEOUT, signIn, startMany, state } from './fixtures.ts';
import { type DemoEnv, type RunningDemo, randomSecret } from './harness.ts';
import { demoScenarioOptions } from './scenario-options.ts';

/** demo-kit's DEMO_PREFIX: the demos' session records live at `<prefix>s:<hash>`. */
const RECORDS = 'cloakroom-demo:s:';

/** The environment that points a demo at the Cluster (REDIS_CLUSTER_NODES is demo-kit's, not the harness'). */
function clusterEnv(cluster: PrivateCluster, secret: string): DemoEnv & { REDIS_CLUSTER_NODES: string } {
  return {
    SESSION_STORE: 'redis',
    REDIS_CLUSTER_NODES: cluster.ports.map((port) => `127.0.0.1:${port}`).join(','),
    SESSION_SECRET: secret,
    SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT),
    SESSION_ABSOLUTE_TIMEOUT: String(ABSOLUTE_TIMEOUT),
    DEMO_SCENARIO_ROUTES: '1',
  };
}

/** How many session records each master holds, read with SCAN as an operator would. */
async function recordsPerMaster(cluster: PrivateCluster): Promise<number[]> {
  return Promise.all(
    cluster.ports.map(async (port) => {
      const keys = await redisCli(['-p', String(port), '--scan', '--pattern', `${RECORDS}*`]);
      return keys.split('\n').filter((line) => line !== '').length;
    }),
  );
}

/** Starts a private Cluster and two processes of `demo` on it; stops both in `afterAll`. */
function onCluster(demo: Parameters<Parameters<typeof describeDemos>[1]>[0], secret: string) {
  let cluster: PrivateCluster | undefined;
  const apps: RunningDemo[] = [];
  const start = async () => {
    cluster = await startCluster();
    await startMany(demo, clusterEnv(cluster, secret), 2, apps);
    return { cluster, apps };
  };
  const stop = async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await cluster?.stop();
  };
  return { start, stop };
}

describeDemos('two processes on a private 3-master Redis Cluster', (demo) => {
  const secret = randomSecret();
  const prefix = demo.scenarioPrefix;
  if (prefix !== undefined) {
    describeAdapterScenarios(`${demo.name} · the shared scenario suite on the Cluster`, {
      options: demoScenarioOptions(secret),
      // No clock, store-call counter or store handle reach into another process; the second process
      // is the peer. Taking a Cluster down and up is the soak run's business.
      capabilities: { clock: false, storeCalls: false, store: false, storeControl: false, peer: true },
      async setup() {
        const run = onCluster(demo, secret);
        try {
          const { apps } = await run.start();
          return {
            baseUrl: `${apps[0]!.baseUrl}${prefix}`,
            hooks: { peerBaseUrl: `${apps[1]!.baseUrl}${prefix}` },
            close: run.stop,
          };
        } catch (error) {
          await run.stop();
          throw error;
        }
      },
    });
  }

  const run = onCluster(demo, secret);
  let apps: RunningDemo[] = [];
  let cluster: PrivateCluster;
  beforeAll(async () => {
    ({ apps, cluster } = await run.start());
  }, 60_000);
  afterAll(() => run.stop(), 30_000);

  it('signs a user out everywhere from one process while her sessions live on every master', async () => {
    const [one, two] = apps as [RunningDemo, RunningDemo];
    const laptop = new Agent(one.baseUrl);
    await signIn(laptop, 'alice');
    // Other devices, signing in through either process.
    const devices = Array.from({ length: 11 }, (_, i) => new Agent((i % 2 === 0 ? two : one).baseUrl));
    for (const device of devices) await signIn(device, 'alice');
    const spread = await recordsPerMaster(cluster);
    expect(spread.filter((count) => count > 0).length, `records per master: ${spread}`).toBe(3);

    const listed = await laptop.at(two.baseUrl).get('/api/sessions');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json<unknown[]>()).toHaveLength(12);
    const revoked = await laptop.post('/api/sessions/revoke-others');
    expect(revoked.json()).toEqual({ revoked: 11 });
    for (const device of devices) {
      expect((await state(device)).user, 'signed out on the process it used').toBeNull();
      expect(
        (await state(device.at(device.baseUrl === one.baseUrl ? two.baseUrl : one.baseUrl))).user,
      ).toBeNull();
    }
    expect((await state(laptop.at(two.baseUrl))).user).toBe('alice');
    expect((await laptop.post('/api/logout')).status).toBe(204);
    expect(await recordsPerMaster(cluster), 'no session record left on any master').toEqual([0, 0, 0]);
  });
});

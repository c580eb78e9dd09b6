// A Redis Cluster master fails under load (issue 21): a private Cluster of three masters with a replica
// each, writers going through the store, one master killed. Errors (503s) are allowed only until its
// replica has taken over; then the same store serves again by itself, and only writes acknowledged in
// the last moment before the kill (asynchronous replication) may be lost.
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { connectCluster, runPrefix } from './testing/clients.ts';
import { type PrivateCluster, startCluster } from './testing/cluster.ts';
import { writeThroughFailover } from './testing/failover.ts';
import { redisCli } from './testing/redis-server.ts';
import { waitUntil } from './testing/sentinel.ts';

let cluster: PrivateCluster;
let client: Cluster;
let store: RedisSessionStore;
const prefix = runPrefix('cluster-failover');

beforeAll(async () => {
  cluster = await startCluster({ replicas: 1, nodeTimeoutMs: 1000 });
  client = await connectCluster(cluster.ports);
  store = redisStore({ client, prefix });
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

/** The `CLUSTER NODES` line of each node, as seen from `port`. */
async function nodesSeenFrom(port: number): Promise<string[]> {
  return (await redisCli(['-p', String(port), 'cluster', 'nodes'])).split('\n').filter((line) => line !== '');
}

describe('redisStore() on a Cluster whose master dies under load', () => {
  it('fails only until the replica takes over, recovers by itself, and loses only the last moment’s writes', async () => {
    const victim = Number(client.nodes('master')[0]!.options.port);
    const witness = cluster.ports.find((port) => port !== victim)!;
    const report = await writeThroughFailover(
      store,
      (key) => `load-${key.slice(0, 2)}`,
      async () => {
        const killedAt = Date.now();
        await cluster.nodes.find((node) => node.port === victim)!.kill();
        await waitUntil('a replica to take over the dead master’s slots', async () => {
          const lines = await nodesSeenFrom(witness);
          const masters = lines.filter((line) => {
            const fields = line.split(' ');
            const flags = fields[2] ?? '';
            return flags.includes('master') && !flags.includes('fail') && fields.length > 8;
          });
          const info = await redisCli(['-p', String(witness), 'cluster', 'info']);
          const dead = lines.find((line) => line.includes(`127.0.0.1:${victim}@`)) ?? '';
          const deadFlags = dead.split(' ')[2] ?? '';
          return (
            /(^|,)fail(,|$)/.test(deadFlags) && masters.length === 3 && info.includes('cluster_state:ok')
          );
        });
        return { killedAt, recoveredAt: Date.now() };
      },
    );
    console.log(
      `cluster failover: ${report.acknowledged} writes acknowledged, ${report.failed} failed with 503 ` +
        `(the replica took over ${report.recoveredAt - report.killedAt} ms after the kill), ${report.lost} ` +
        'acknowledged writes lost (acknowledged by the dead master, never replicated)',
    );
  }, 120_000);
});

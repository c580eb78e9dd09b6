/**
 * Test support: a real 3-master Redis Cluster (no replicas) on spare loopback ports in a temp dir, from
 * the `redis-server` binary. Used by this package's vitest globalSetup and by apps/e2e. Never imported by
 * the package itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateRedis, redisCli, sparePort, startRedis } from './redis-server.ts';

/** A running private Cluster. */
export interface PrivateCluster {
  /** The masters' ports. */
  readonly ports: readonly number[];
  /** Each node's process, by port. */
  readonly nodes: readonly PrivateRedis[];
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

/** Starts three cluster-enabled nodes, joins them into one Cluster and waits for `cluster_state:ok`. */
export async function startCluster(): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'cloakroom-redis-cluster-'));
  const nodes: PrivateRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await sparePort(ports.flatMap((p) => [p, p + 10000])));
    for (const port of ports) {
      nodes.push(
        await startRedis(port, dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
        ]),
      );
    }
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForClusterOk(ports);
    return { ports, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const states = await Promise.all(ports.map((port) => redisCli(['-p', String(port), 'cluster', 'info'])));
    if (states.every((info) => info.includes('cluster_state:ok'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The test Redis Cluster did not reach cluster_state:ok within 20 s');
}

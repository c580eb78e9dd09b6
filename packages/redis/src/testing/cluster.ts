/**
 * Test support: a real 3-master Redis Cluster (with replicas if asked) on spare loopback ports in a temp
 * dir, from the `redis-server` binary. Used by this package's vitest globalSetup and by apps/e2e. Never imported by
 * the package itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateRedis, redisCli, sparePort, startRedis } from './redis-server.ts';

/** A running private Cluster. */
export interface PrivateCluster {
  /** Every node's port; without replicas, the three masters'. */
  readonly ports: readonly number[];
  /** Each node's process, by port. */
  readonly nodes: readonly PrivateRedis[];
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Replicas per master (each a node of its own). @default 0 */
  readonly replicas?: number;
  /** `cluster-node-timeout`: how long a node may be unreachable before it is failed over. @default 5000 */
  readonly nodeTimeoutMs?: number;
}

/**
 * Starts three masters (and their replicas), joins them into one Cluster and waits for
 * `cluster_state:ok` (and every replica's first sync).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<PrivateCluster> {
  const replicas = options.replicas ?? 0;
  const dir = await mkdtemp(join(tmpdir(), 'cloakroom-redis-cluster-'));
  const nodes: PrivateRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3 * (1 + replicas); i++)
      ports.push(await sparePort(ports.flatMap((p) => [p, p + 10000])));
    for (const port of ports) {
      nodes.push(
        await startRedis(port, dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 5000),
          // No delay before a replica's first sync (the default waits 5 s to batch replicas).
          '--repl-diskless-sync-delay',
          '0',
        ]),
      );
    }
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitForClusterOk(ports, replicas * 3);
    return { ports, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForClusterOk(ports: readonly number[], replicas: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const states = await Promise.all(ports.map((port) => redisCli(['-p', String(port), 'cluster', 'info'])));
    const synced = await Promise.all(
      ports.map((port) => redisCli(['-p', String(port), 'info', 'replication'])),
    );
    const linked = synced.filter((info) => info.includes('master_link_status:up')).length;
    if (states.every((info) => info.includes('cluster_state:ok')) && linked === replicas) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The test Redis Cluster did not reach cluster_state:ok (replicas in sync) within 20 s');
}

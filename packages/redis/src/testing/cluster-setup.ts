/**
 * vitest globalSetup: starts a real 3-master Redis Cluster on spare loopback ports in a temp dir,
 * provides its ports to the tests as `clusterPorts`, and stops it afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type PrivateRedis, redisCli, sparePort, startRedis } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterPorts: number[];
    /** Process id of each node, by port, so a test can pause one (SIGSTOP) for a moment. */
    clusterPids: Record<number, number>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'cloakroom-redis-cluster-'));
  const nodes: PrivateRedis[] = [];
  const teardown = async () => {
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
    project.provide('clusterPorts', ports);
    project.provide('clusterPids', Object.fromEntries(nodes.map((node) => [node.port, node.process.pid!])));
    return teardown;
  } catch (error) {
    await teardown();
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

/**
 * vitest globalSetup: starts a real 3-master Redis Cluster on spare loopback ports in a temp dir,
 * provides its ports to the tests as `clusterPorts`, and stops it afterwards.
 */
import type { TestProject } from 'vitest/node';
import { startCluster } from './cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterPorts: number[];
    /** Process id of each node, by port, so a test can pause one (SIGSTOP) for a moment. */
    clusterPids: Record<number, number>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster();
  project.provide('clusterPorts', [...cluster.ports]);
  project.provide(
    'clusterPids',
    Object.fromEntries(cluster.nodes.map((node) => [node.port, node.process.pid!])),
  );
  return cluster.stop;
}

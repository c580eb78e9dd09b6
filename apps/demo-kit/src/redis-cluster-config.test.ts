import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const BASE = { SESSION_SECRET: 'a-secret-of-at-least-thirty-two-bytes!!', SESSION_STORE: 'redis' };

describe('loadConfig() with a Redis Cluster', () => {
  it('reads the seed nodes from REDIS_CLUSTER_NODES', () => {
    const config = loadConfig({ ...BASE, REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2:7001 ,' });
    expect(config.redisClusterNodes).toEqual(['10.0.0.1:7000', 'redis-2:7001']);
  });

  it('reads them from a redis+cluster:// REDIS_URL', () => {
    const config = loadConfig({ ...BASE, REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001' });
    expect(config.redisClusterNodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
  });

  it('has none for a single node', () => {
    expect(loadConfig({ ...BASE, REDIS_URL: 'redis://127.0.0.1:6379' })).not.toHaveProperty(
      'redisClusterNodes',
    );
  });

  it('refuses a node that is not host:port, naming the variable', () => {
    for (const nodes of ['10.0.0.1', 'redis://h:1', 'user:pw@h:1', 'h:port']) {
      expect(() => loadConfig({ ...BASE, REDIS_CLUSTER_NODES: nodes }), nodes).toThrow(/REDIS_CLUSTER_NODES/);
    }
  });
});

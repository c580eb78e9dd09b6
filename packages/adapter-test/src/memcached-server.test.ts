import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startMemcachedServer } from './memcached-server.ts';
import { freePort } from './ports.ts';
import { probe } from './private-server.ts';

describe('freePort()', () => {
  it('hands out a loopback port that can be bound at once', async () => {
    const port = await freePort();
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('startMemcachedServer()', () => {
  it('starts a private memcached that can be stopped and restarted empty on the same port', async () => {
    const memcached = await startMemcachedServer();
    const stored = (line: string) => line === 'STORED';
    try {
      expect(memcached.url).toBe(`127.0.0.1:${memcached.port}`);
      expect(await probe(memcached.port, 'set cloakroom-test 0 0 1\r\n1\r\n', stored)).toBe(true);
      expect(await probe(memcached.port, 'get cloakroom-test\r\n', (line) => line.startsWith('VALUE'))).toBe(
        true,
      );
      await memcached.stop();
      expect(memcached.running).toBe(false);
      expect(await probe(memcached.port, 'version\r\n', () => true)).toBe(false);
      await memcached.start();
      expect(memcached.running).toBe(true);
      expect(await probe(memcached.port, 'get cloakroom-test\r\n', (line) => line === 'END')).toBe(true);
    } finally {
      await memcached.close();
    }
    expect(memcached.running).toBe(false);
  });

  it('names the binary and what to do when it cannot be started', async () => {
    await expect(startMemcachedServer({ binary: '/nonexistent/memcached' })).rejects.toThrow(
      /nonexistent\/memcached.*MEMCACHED_BIN/,
    );
  });
});

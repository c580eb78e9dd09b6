import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from './redis-server.ts';

function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.destroy();
        resolve(reply.trim());
      }
    });
  });
}

describe('startRedisServer()', () => {
  it('starts a private server that can be stopped and restarted empty on the same port', async () => {
    const redis = await startRedisServer();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await command(redis.port, 'SET cloakroom-test 1')).toBe('+OK');
      expect(await command(redis.port, 'CONFIG GET save')).toContain('save');
      await redis.stop();
      expect(redis.running).toBe(false);
      await expect(command(redis.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
      await redis.start();
      expect(redis.running).toBe(true);
      expect(await command(redis.port, 'EXISTS cloakroom-test')).toBe(':0');
    } finally {
      await redis.close();
    }
    expect(redis.running).toBe(false);
  });

  it('names the binary when it cannot be started', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /nonexistent\/redis-server/,
    );
  });
});

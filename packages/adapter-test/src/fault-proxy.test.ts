import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

/** Sends `text` through a new connection and resolves what came back, or the error that ended it. */
function roundTrip(port: number, text: string, timeoutMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`timeout:${reply}`);
    }, timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error:${error.code}`);
    });
  });
}

describe('startFaultProxy()', () => {
  let echo: Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // The proxy resets its upstream connections on purpose: the echo server shrugs that off.
    echo = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => socket.write(chunk));
    }).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    proxy = await startFaultProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
  });

  afterAll(async () => {
    await proxy.close();
    echo.close();
  });

  it('forwards both ways in pass, resets in refuse, holds everything in blackhole', async () => {
    expect(await roundTrip(proxy.port, 'hello\n')).toBe('hello\n');
    proxy.set('refuse');
    expect(await roundTrip(proxy.port, 'hello\n')).toBe('error:ECONNRESET');
    proxy.set('blackhole');
    expect(await roundTrip(proxy.port, 'hello\n')).toBe('timeout:');
    proxy.set('pass');
    expect(await roundTrip(proxy.port, 'again\n')).toBe('again\n');
    expect(proxy.mode).toBe('pass');
    expect(proxy.accepted).toBe(4);
  });

  it('delays each chunk in delay mode', async () => {
    proxy.set('delay', 150);
    const started = performance.now();
    expect(await roundTrip(proxy.port, 'slow\n', 2_000)).toBe('slow\n');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    proxy.set('pass');
  });

  it('rewrites a server address to go through it', () => {
    expect(proxy.via('redis://10.0.0.1:6379/2')).toBe(`redis://127.0.0.1:${proxy.port}/2`);
    expect(proxy.via('postgres://u@db:5432/test')).toBe(`postgres://u@127.0.0.1:${proxy.port}/test`);
    expect(proxy.via('memcached.local:11211')).toBe(`127.0.0.1:${proxy.port}`);
  });
});

/**
 * The async floor: what one `await` before the response costs a bare framework, with no session at all.
 * A session read is asynchronous by contract (every store answers a promise), so a handler that reads
 * its session answers after at least one await; the bare baselines answer synchronously. This prints
 * each framework's bare /read beside the same route answering after `await null`, as server CPU per
 * request (server pinned to core 0, load on core 1, 16 connections, like the bench).
 *   node bench/src/async-floor.ts [--seconds 5]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { throughput } from './load.ts';
import { canPin, pin } from './servers.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(values.seconds);

const apps: Record<string, string> = {
  express: `
    const express = (await import('express')).default;
    const app = express();
    app.get('/sync', (_req, res) => { res.send('0'); });
    app.get('/async', async (_req, res) => { await null; res.send('0'); });
    const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`,
  hono: `
    const { serve } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    const app = new Hono();
    app.get('/sync', (c) => c.text('0'));
    app.get('/async', async (c) => { await null; return c.text('0'); });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log('port ' + info.port));`,
  koa: `
    const Koa = (await import('koa')).default;
    const app = new Koa();
    app.use(async (ctx) => { if (ctx.path === '/async') await null; ctx.body = '0'; });
    const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`,
};

for (const [name, source] of Object.entries(apps)) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(/port (\d+)/.exec(line.toString())![1]);
  if (canPin()) pin(child.pid!, 0);
  const row: string[] = [];
  for (const route of ['/sync', '/async', '/sync', '/async']) {
    await throughput({ port, pid: child.pid!, route, seconds: 1, connections: 16, cookies: [] });
    const result = await throughput({ port, pid: child.pid!, route, seconds, connections: 16, cookies: [] });
    row.push(`${route} ${result.cpuUs?.toFixed(1)} µs`);
  }
  console.log(`${name}: ${row.join(' · ')}`);
  child.kill();
  await once(child, 'exit');
}

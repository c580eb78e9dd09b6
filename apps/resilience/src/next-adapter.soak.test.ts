// The Next.js adapter in the hostile-header and flood matrices: a small App Router app (next-app/, two
// Route Handlers over @cloakroom/session-next and a counting memory store) built with `next build` and
// served by `next start`. In the soak suite because the build alone takes about 40 s on 2 cores; the
// flood is 25 000 requests here (`next start` answers about 1 000 a second on 2 cores).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CookieClient, freePort } from '@cloakroom/session-adapter-test';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flood } from './flood.ts';
import { forgeriesOf, hostileHeader, utf8 } from './hostile-headers.ts';
import { rawCookieRequest } from './http.ts';

const APP_DIR = fileURLToPath(new URL('../next-app/', import.meta.url));
const NEXT = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));
const ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };

let server: ChildProcess;
let port: number;
let output = '';

async function storeCalls(): Promise<number> {
  const reply = await fetch(`http://127.0.0.1:${port}/calls`);
  return ((await reply.json()) as { calls: number }).calls;
}

beforeAll(async () => {
  const build = spawnSync(process.execPath, [NEXT, 'build'], {
    cwd: APP_DIR,
    env: ENV,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (build.status !== 0)
    throw new Error(`next build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
  port = await freePort();
  server = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: APP_DIR,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}):\n${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/calls`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 300_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }
});

describe('next: hostile Cookie headers over HTTP', () => {
  it('never answer 5xx, never set a cookie, never look a value up in the store, and keep serving', async () => {
    const client = new CookieClient(`http://127.0.0.1:${port}`);
    expect((await client.post('/read?key=a&value=1')).status).toBe(200);
    const forgeries = forgeriesOf(client.cookie.slice('sid='.length));
    await storeCalls();
    await fc.assert(
      fc.asyncProperty(hostileHeader(forgeries), async (header) => {
        const reply = await rawCookieRequest(port, '/read?key=a', header);
        expect([200, 400, 431], reply.text.slice(0, 300)).toContain(reply.status);
        expect(reply.text).not.toMatch(/^set-cookie:/im);
        // (chunked or not: the body is the no-session answer)
        if (reply.status === 200) expect(reply.text).toMatch(/\r\n\r\n(?:[0-9a-f]+\r\n)?\{"value":null\}/);
      }),
      { numRuns: 250 },
    );
    expect(await storeCalls(), 'no lookups for unverifiable values').toBe(0);
    expect((await client.get('/read?key=a')).body, `still serving\n${output}`).toEqual({ value: '1' });
    expect(server.exitCode).toBeNull();
  }, 120_000);

  it('answers an oversized Cookie header with 431 or 400, never a 500', async () => {
    await storeCalls();
    for (const size of [20_000, 64_000, 1_000_000]) {
      const reply = await rawCookieRequest(port, '/read?key=a', utf8(`sid=${'x'.repeat(size)}`));
      expect([400, 431], `${size} bytes: ${reply.text.slice(0, 200)}`).toContain(reply.status);
    }
    expect(await storeCalls()).toBe(0);
  }, 60_000);
});

describe('next: a flood without cookies', () => {
  it('25 000 requests make zero store calls and set no cookie', async () => {
    await storeCalls();
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const result = await flood({ port, agent, total: 25_000, concurrency: 32 });
      expect(result.statuses.get(200)).toBe(25_000 - result.notFound);
      expect(result.statuses.get(404)).toBe(result.notFound);
      expect(result.setCookies).toBe(0);
    } finally {
      agent.destroy();
    }
    expect(await storeCalls()).toBe(0);
    expect(server.exitCode).toBeNull();
  }, 170_000);
});

// The harness itself, on tiny stand-in "demos" written to a temporary folder: a failure of the demo
// suites must be the demo's, never the harness's.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Demo } from './demos.ts';
import { startDemo, tempDir } from './harness.ts';

const root = tempDir('harness');
afterAll(() => root.remove());

/** A stand-in demo whose `start` script runs `code` (an ES module) with node. */
function fakeDemo(name: string, code: string): Demo {
  const dir = join(root.path, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'server.mjs'), code);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, scripts: { start: 'node server.mjs' } }));
  return { name, framework: 'Fake', dir, scenarioPrefix: '/__scenarios' };
}

const SERVE = `
import { createServer } from 'node:http';
const port = Number(process.env.PORT);
const server = createServer((req, res) => res.end(JSON.stringify({
  store: process.env.SESSION_STORE ?? null, secure: process.env.SESSION_COOKIE_SECURE, nodeEnv: process.env.NODE_ENV,
  secretLength: (process.env.SESSION_SECRET ?? '').length, node: process.execPath,
})));
server.listen(port, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + port));
`;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(true));
    socket.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('startDemo()', () => {
  it('runs the start script on a spare port with the environment, resolves on the ready line, stops on SIGTERM', async () => {
    const demo = fakeDemo(
      'serves',
      `${SERVE}\nprocess.on('SIGTERM', () => server.close(() => process.exit(0)));`,
    );
    const app = await startDemo(demo, { SESSION_STORE: 'memory' });
    expect(app.baseUrl).toBe(`http://127.0.0.1:${app.port}`);
    const seen = (await (await fetch(app.baseUrl)).json()) as Record<string, unknown>;
    expect(seen).toEqual({
      store: 'memory',
      secure: 'false',
      nodeEnv: 'production',
      secretLength: 43,
      node: process.execPath, // the Node that runs the tests, whatever else is on PATH
    });
    expect(app.output()).toContain('listening on');
    expect(await app.stop()).toEqual({ code: 0, signal: null, forced: false });
    expect(await refused(app.port), 'nothing listens any more').toBe(true);
    expect(await app.stop(), 'stop() is idempotent').toEqual({ code: 0, signal: null, forced: false });
  });

  it('kills the whole process group when the demo ignores SIGTERM', async () => {
    const demo = fakeDemo(
      'stubborn',
      `${SERVE}\nprocess.on('SIGTERM', () => console.log('ignoring SIGTERM'));`,
    );
    const app = await startDemo(demo);
    const exit = await app.stop(300);
    expect(exit.forced).toBe(true);
    expect(exit.signal).toBe('SIGKILL');
    expect(await refused(app.port)).toBe(true);
  });

  it('fails with the demo output when it exits before it is ready', async () => {
    const demo = fakeDemo(
      'crashes',
      `console.error('demo: SESSION_STORE must be one of ...'); process.exit(3);`,
    );
    await expect(startDemo(demo)).rejects.toThrow(
      /crashes exited \(code 3\)[\s\S]*SESSION_STORE must be one of/,
    );
  });

  it('fails when the ready line does not come in time, and leaves no process behind', async () => {
    const pidFile = join(root.path, 'silent.pid');
    const demo = fakeDemo(
      'silent',
      `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
process.on('SIGTERM', () => undefined);
setInterval(() => undefined, 1000);
console.log('starting');`,
    );
    await expect(startDemo(demo, {}, 500)).rejects.toThrow(
      /did not print "listening on http:\/\/127\.0\.0\.1:\d+" within 500 ms[\s\S]*starting/,
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0), 'the demo was killed').toThrow(/ESRCH/);
  });

  it('fails when the demo listens elsewhere than on PORT', async () => {
    const demo = fakeDemo(
      'elsewhere',
      `console.log('listening on http://127.0.0.1:1'); setInterval(() => undefined, 1000);`,
    );
    await expect(startDemo(demo)).rejects.toThrow(
      /was given PORT=\d+ but says it listens on http:\/\/127\.0\.0\.1:1$/,
    );
  });

  it('tries another port when the spare one was taken before the demo bound it', async () => {
    const marker = join(root.path, 'taken-once');
    const demo = fakeDemo(
      'unlucky',
      `import { existsSync, writeFileSync } from 'node:fs';
if (!existsSync(${JSON.stringify(marker)})) {
  writeFileSync(${JSON.stringify(marker)}, '');
  console.error('Error: listen EADDRINUSE: address already in use 127.0.0.1:' + process.env.PORT);
  process.exit(1);
}
${SERVE}`,
    );
    const app = await startDemo(demo);
    expect(existsSync(marker)).toBe(true);
    expect((await fetch(app.baseUrl)).status).toBe(200);
    await app.stop();
  });
});

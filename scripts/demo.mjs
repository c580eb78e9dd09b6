#!/usr/bin/env node
// `pnpm demo`: builds the demo apps and starts them on ports 3001-3006, sharing one SQLite file and one
// secret (random for each run unless SESSION_SECRET is set), so signing in on one shows the same user on
// the others. Ctrl-C stops them all.
// `pnpm demo --check`: the same, then proves it over HTTP (sign in on the first, same user and one
// counter on every other, sign out on the last), stops them all and exits 0 or 1.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every demo of issue 8 and its port. A demo whose folder does not exist yet is reported, not started.
const DEMOS = [
  ['express-demo', 3001],
  ['koa-demo', 3002],
  ['hono-demo', 3003],
  ['nest-demo', 3004],
  ['next-demo', 3005],
  ['fastify-demo', 3006],
];
const check = process.argv.includes('--check');
const present = DEMOS.filter(([name]) => existsSync(join(root, 'apps', name, 'package.json')));
const missing = DEMOS.filter(([name]) => !present.some(([p]) => p === name));
if (present.length === 0) {
  console.error('demo: no demo app found under apps/');
  process.exit(1);
}

console.log(`demo: building ${present.map(([name]) => name).join(', ')} (the first run takes a while)…`);
const build = spawnSync(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'build',
    '--output-logs=errors-only',
    ...present.map(([name]) => `--filter=${name}...`),
  ],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' },
  },
);
if (build.status !== 0) {
  console.error('demo: the build failed (see above)');
  process.exit(build.status ?? 1);
}

mkdirSync(join(root, '.data'), { recursive: true });
const env = {
  ...process.env,
  SESSION_STORE: process.env.SESSION_STORE || 'sqlite',
  SESSION_SQLITE_FILE: process.env.SESSION_SQLITE_FILE || join(root, '.data', 'demo-sessions.db'),
  // One random secret per run, shared by every demo so a session carries over (a published one would let
  // anyone forge cookies). Sessions of an earlier run do not verify any more: sign in again.
  SESSION_SECRET: process.env.SESSION_SECRET || randomBytes(32).toString('base64url'),
  // Plain HTTP on localhost; deployed apps keep Secure cookies (the default).
  SESSION_COOKIE_SECURE: process.env.SESSION_COOKIE_SECURE || 'false',
  NEXT_TELEMETRY_DISABLED: '1',
};

let stopping = false;
const width = Math.max(...present.map(([name]) => name.length)) + 2;

function start([name, port]) {
  const child = spawn('pnpm', ['--silent', '--filter', name, 'start'], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches this script only, which stops each demo with SIGTERM.
    detached: true,
  });
  const prefix = `[${name}]`.padEnd(width + 1);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const listening = new Promise((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          console.log(`${prefix} ${line}`);
          if (/listening on http:\/\//.test(line)) resolve();
        }
      });
    }
    exited.then((code) => reject(new Error(`${name} exited (${code}) before listening`)));
  });
  exited.then((code) => {
    if (!stopping) console.log(`${prefix} exited (${code})`);
  });
  return { name, port, child, exited, listening };
}

const running = present.map(start);

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const { child } of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const timeout = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  await Promise.race([Promise.all(running.map((demo) => demo.exited)), timeout]);
  for (const { child } of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // exited cleanly
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const started = await Promise.allSettled(running.map((demo) => demo.listening));
const failed = started.flatMap((result, i) => (result.status === 'rejected' ? [running[i].name] : []));
if (failed.length > 0) {
  console.error(`\ndemo: ${failed.join(', ')} did not start (see above; is the port taken?)`);
  await stopAll(1);
}

const urls = running.map(({ port }) => `http://localhost:${port}`);
console.log(`\ndemo: ${running.length} instances, one ${env.SESSION_STORE} store, one session`);
if (env.SESSION_STORE === 'sqlite') console.log(`      (${env.SESSION_SQLITE_FILE})`);
if (env.SESSION_STORE === 'memory') {
  console.log(
    '      (memory is per process: here each demo has its own sessions, and a sign-in does not carry over)',
  );
}
for (const [i, { name }] of running.entries()) console.log(`  ${name.padEnd(width)} ${urls[i]}`);
for (const [name] of missing) console.log(`  ${name.padEnd(width)} not in this checkout yet`);

if (check) {
  const { checkSharedSession } = await import(
    pathToFileURL(join(root, 'apps/demo-kit/dist/testing.js')).href
  );
  try {
    for (const line of await checkSharedSession(urls)) console.log(`check: ${line}`);
    console.log(`check: passed on ${running.length} demos`);
    await stopAll(0);
  } catch (error) {
    console.error(`check: FAILED: ${error.message}`);
    await stopAll(1);
  }
} else {
  console.log(
    '\nSign in on one (alice / alice-secret), reload another: same user. Use localhost for all of them',
  );
  console.log('(cookies are per host, not per port). Ctrl-C stops them all.\n');
}

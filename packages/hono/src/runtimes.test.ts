// Proves the adapter runs with no Node API: the smoke app (adapter + core's web-standard build + memory
// store) is bundled into one ES module and served on Bun, Deno and workerd, each from the registry
// package that ships its binary; a client signs in and reads the session back over HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSmokeApp } from './smoke/build.ts';

const require = createRequire(import.meta.url);
const START_TIMEOUT = 20_000;
const REQUEST_TIMEOUT = 5_000;

function binary(pkg: string, file: string): string {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), file);
  } catch {
    throw new Error(
      `${pkg} is not installed: it is a devDependency of @cloakroom/session-hono (linux-x64 only).`,
    );
  }
}

interface Runtime {
  readonly name: string;
  /** What `navigator.userAgent` starts with there. */
  readonly userAgent: string;
  /** Writes what the runtime needs into `dir` and returns the command and the port it will serve on. */
  readonly prepare: (
    dir: string,
  ) => Promise<{ command: string; args: string[]; port: number; env?: NodeJS.ProcessEnv }>;
}

const runtimes: Runtime[] = [
  {
    name: 'Bun',
    userAgent: 'Bun/',
    async prepare(dir) {
      const port = await freePort();
      await writeFile(
        join(dir, 'bun.mjs'),
        `import app from './app.mjs';\nBun.serve({ port: ${port}, hostname: '127.0.0.1', fetch: app.fetch });\n`,
      );
      return { command: binary('@oven/bun-linux-x64', 'bin/bun'), args: ['bun.mjs'], port };
    },
  },
  {
    name: 'Deno',
    userAgent: 'Deno/',
    async prepare(dir) {
      const port = await freePort();
      await writeFile(
        join(dir, 'deno.mjs'),
        `import app from './app.mjs';\nDeno.serve({ port: ${port}, hostname: '127.0.0.1', onListen() {} }, app.fetch);\n`,
      );
      return {
        command: binary('@deno/linux-x64-glibc', 'deno'),
        args: ['run', '--quiet', `--allow-net=127.0.0.1:${port}`, 'deno.mjs'],
        port,
        env: { DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      };
    },
  },
  {
    name: 'workerd',
    userAgent: 'Cloudflare-Workers',
    async prepare(dir) {
      const port = await freePort();
      await writeFile(
        join(dir, 'config.capnp'),
        [
          'using Workerd = import "/workerd/workerd.capnp";',
          'const config :Workerd.Config = (',
          '  services = [(name = "main", worker = .smokeWorker)],',
          `  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],`,
          ');',
          'const smokeWorker :Workerd.Worker = (',
          '  modules = [(name = "app.mjs", esModule = embed "app.mjs")],',
          '  compatibilityDate = "2025-09-01",',
          ');',
          '',
        ].join('\n'),
      );
      return {
        command: binary('@cloudflare/workerd-linux-64', 'bin/workerd'),
        args: ['serve', 'config.capnp'],
        port,
      };
    },
  },
];

/** Runs `fn` with a deadline; the error names the runtime and the step, and carries the process output. */
async function step<T>(
  runtime: string,
  what: string,
  output: () => string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await fn(AbortSignal.timeout(REQUEST_TIMEOUT));
  } catch (error) {
    throw new Error(
      `[${runtime}] ${what} failed: ${(error as Error).message}\n--- ${runtime} output ---\n${output()}`,
    );
  }
}

async function waitForServer(
  url: string,
  child: ChildProcess,
  output: () => string,
  runtime: string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `[${runtime}] exited (${child.exitCode ?? child.signalCode}) before serving\n${output()}`,
      );
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`[${runtime}] did not serve ${url} within ${START_TIMEOUT} ms\n${output()}`);
}

describe('the Hono adapter on web-standard runtimes (one bundled ES module)', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloakroom-hono-runtimes-'));
    bundle = await bundleSmokeApp(dir);
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bundles into one module with no imports and no Node API left', async () => {
    const code = await readFile(bundle, 'utf8');
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bnode:[a-z]/);
    expect(code).not.toMatch(/\brequire\(/);
  });

  for (const runtime of runtimes) {
    it(`${runtime.name}: signs in and reads the session back over HTTP`, async () => {
      const { command, args, port, env } = await runtime.prepare(dir);
      let log = '';
      const output = (): string => log.slice(-4_000) || '(no output)';
      const child = spawn(command, args, {
        cwd: dir,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
      });
      const spawned = new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) =>
          reject(new Error(`[${runtime.name}] could not start ${command}: ${error.message}`)),
        );
      });
      const base = `http://127.0.0.1:${port}`;
      try {
        await spawned;
        await waitForServer(`${base}/me`, child, output, runtime.name);

        const anonymous = await step(runtime.name, 'GET /me without a cookie', output, async (signal) => {
          const response = await fetch(`${base}/me`, { signal });
          return {
            status: response.status,
            cookies: response.headers.getSetCookie(),
            body: await response.json(),
          };
        });
        expect(anonymous.status).toBe(200);
        expect(anonymous.cookies, `[${runtime.name}] an untouched session sets no cookie`).toEqual([]);
        expect(anonymous.body).toMatchObject({ user: null, name: null });

        const cookie = await step(runtime.name, 'POST /sign-in', output, async (signal) => {
          const response = await fetch(`${base}/sign-in`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user: 'ada', name: 'Ada Lovelace' }),
            signal,
          });
          expect(response.status, `[${runtime.name}] sign-in status`).toBe(200);
          expect(response.headers.get('cache-control')).toBe('private, no-store');
          const [setCookie] = response.headers.getSetCookie();
          expect(setCookie, `[${runtime.name}] sign-in sets the session cookie`).toMatch(
            /^session=[\w-]{43}\.[\w-]{43};/,
          );
          return setCookie!.split(';', 1)[0]!;
        });

        const me = await step(runtime.name, 'GET /me with the cookie', output, async (signal) => {
          const response = await fetch(`${base}/me`, { headers: { cookie }, signal });
          return (await response.json()) as { user: string | null; name: string | null; runtime: string };
        });
        expect(me.user, `[${runtime.name}] the session is read back`).toBe('ada');
        expect(me.name).toBe('Ada Lovelace');
        expect(me.runtime, `[${runtime.name}] the app really ran there`).toContain(runtime.userAgent);

        const forged = await step(runtime.name, 'GET /me with a forged cookie', output, async (signal) => {
          const [id] = cookie.split('.');
          const response = await fetch(`${base}/me`, {
            headers: { cookie: `${id}.${'A'.repeat(43)}` },
            signal,
          });
          return (await response.json()) as { user: string | null };
        });
        expect(forged.user, `[${runtime.name}] a forged signature means no session`).toBeNull();
      } finally {
        child.kill('SIGKILL');
        if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      }
    }, 60_000);
  }
});

// Proves the adapter runs with no Node API: apps (adapter + core's web-standard build + memory store) are
// bundled into one ES module each and served on Bun, Deno and workerd, each from the registry package
// that ships its binary. The smoke app: a client signs in and reads the session back over HTTP. The
// test-only scenario app: the whole shared scenario suite, its clock, store-call counts and store driven
// through the app's control routes; one process per runtime per suite.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  describeAdapterScenarios,
  freePort,
  type RemoteHooks,
  remoteHooks,
  scenarioGroups,
  scenarioOptions,
} from '@cloakroom/session-adapter-test';
import { sealedCookies } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScenarioApp, bundleSmokeApp } from './smoke/build.ts';

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
  /**
   * Writes what the runtime needs to serve the bundled `module` (a file in `dir`) into `dir` and returns
   * the command and the port it will serve on. The app may fetch 127.0.0.1 (the suite's gates).
   */
  readonly prepare: (
    dir: string,
    module: string,
  ) => Promise<{ command: string; args: string[]; port: number; env?: NodeJS.ProcessEnv }>;
}

const runtimes: Runtime[] = [
  {
    name: 'Bun',
    userAgent: 'Bun/',
    async prepare(dir, module) {
      const port = await freePort();
      const entry = `bun-${port}.mjs`;
      await writeFile(
        join(dir, entry),
        `import app from './${module}';\nBun.serve({ port: ${port}, hostname: '127.0.0.1', fetch: app.fetch });\n`,
      );
      return { command: binary('@oven/bun-linux-x64', 'bin/bun'), args: [entry], port };
    },
  },
  {
    name: 'Deno',
    userAgent: 'Deno/',
    async prepare(dir, module) {
      const port = await freePort();
      const entry = `deno-${port}.mjs`;
      await writeFile(
        join(dir, entry),
        `import app from './${module}';\nDeno.serve({ port: ${port}, hostname: '127.0.0.1', onListen() {} }, app.fetch);\n`,
      );
      return {
        command: binary('@deno/linux-x64-glibc', 'deno'),
        // Its own port, and fetches to loopback (the suite's gates listen on ephemeral ports).
        args: ['run', '--quiet', '--allow-net=127.0.0.1', entry],
        port,
        env: { DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      };
    },
  },
  {
    name: 'workerd',
    userAgent: 'Cloudflare-Workers',
    async prepare(dir, module) {
      const port = await freePort();
      const config = `config-${port}.capnp`;
      await writeFile(
        join(dir, config),
        [
          'using Workerd = import "/workerd/workerd.capnp";',
          'const config :Workerd.Config = (',
          '  services = [',
          '    (name = "main", worker = .appWorker),',
          // The default outbound service reaches public addresses only; the suite's gates are on loopback.
          '    (name = "loopback", network = (allow = ["local"])),',
          '  ],',
          `  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],`,
          ');',
          'const appWorker :Workerd.Worker = (',
          `  modules = [(name = "${module}", esModule = embed "${module}")],`,
          '  compatibilityDate = "2025-09-01",',
          '  globalOutbound = "loopback",',
          ');',
          '',
        ].join('\n'),
      );
      return {
        command: binary('@cloudflare/workerd-linux-64', 'bin/workerd'),
        args: ['serve', config],
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

/** An app served by a runtime process. */
interface Served {
  readonly baseUrl: string;
  /** The process's output so far (its last 4 000 characters). */
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Serves the bundled `module` (a file in `dir`) on `runtime`; resolves once `probe` answers. */
async function serve(runtime: Runtime, dir: string, module: string, probe: string): Promise<Served> {
  const { command, args, port, env } = await runtime.prepare(dir, module);
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
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new Error(`[${runtime.name}] could not start ${command}: ${error.message}`)),
      );
    });
    await waitForServer(`${baseUrl}${probe}`, child, output, runtime.name);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, output, stop };
}

let bundles: Promise<{ dir: string; files: string[] }> | undefined;

/** Every app, bundled once for every test in this file into one temporary directory. */
function bundled(): Promise<{ dir: string; files: string[] }> {
  bundles ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cloakroom-hono-runtimes-'));
    const files = await Promise.all([
      bundleSmokeApp(dir),
      bundleScenarioApp(dir, 'memory'),
      bundleScenarioApp(dir, 'sealed'),
    ]);
    return { dir, files };
  })();
  return bundles;
}

afterAll(async () => {
  if (bundles !== undefined) await rm((await bundles).dir, { recursive: true, force: true });
});

describe('the Hono adapter on web-standard runtimes (one bundled ES module)', () => {
  let dir: string;

  beforeAll(async () => {
    ({ dir } = await bundled());
  }, 60_000);

  it('bundles each app into one module with no imports and no Node API left', async () => {
    for (const bundle of (await bundled()).files) {
      const code = await readFile(bundle, 'utf8');
      expect(code, bundle).not.toMatch(/^\s*import\s/m);
      expect(code, bundle).not.toMatch(/\bnode:[a-z]/);
      expect(code, bundle).not.toMatch(/\brequire\(/);
    }
  });

  // Store-backed (`/`) and sealed (`/sealed`): the same sign-in, read-back and forgery check.
  const variants = [
    {
      name: 'memory store',
      prefix: '',
      cookie: /^session=[\w-]{43}\.[\w-]{43};/,
      forge: (pair: string) => `${pair.split('.')[0]}.${'A'.repeat(43)}`,
    },
    {
      name: 'sealed cookies',
      prefix: '/sealed',
      cookie: /^sealed=c1\.[\w-]{100,};/,
      // One character of the ciphertext changed: GCM must refuse it.
      forge: (pair: string) => {
        const at = pair.length - 30;
        return `${pair.slice(0, at)}${pair[at] === 'A' ? 'B' : 'A'}${pair.slice(at + 1)}`;
      },
    },
  ] as const;

  for (const runtime of runtimes) {
    it(`${runtime.name}: signs in and reads the session back over HTTP, with a store and sealed`, async () => {
      const app = await serve(runtime, dir, 'app.mjs', '/me');
      const { output } = app;
      try {
        for (const variant of variants) {
          const base = `${app.baseUrl}${variant.prefix}`;
          const where = `${runtime.name}, ${variant.name}`;
          const anonymous = await step(where, 'GET /me without a cookie', output, async (signal) => {
            const response = await fetch(`${base}/me`, { signal });
            return {
              status: response.status,
              cookies: response.headers.getSetCookie(),
              body: await response.json(),
            };
          });
          expect(anonymous.status).toBe(200);
          expect(anonymous.cookies, `[${where}] an untouched session sets no cookie`).toEqual([]);
          expect(anonymous.body).toMatchObject({ user: null, name: null });

          const cookie = await step(where, 'POST /sign-in', output, async (signal) => {
            const response = await fetch(`${base}/sign-in`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ user: 'ada', name: 'Ada Lovelace' }),
              signal,
            });
            expect(response.status, `[${where}] sign-in status`).toBe(200);
            expect(response.headers.get('cache-control')).toBe('private, no-store');
            const [setCookie] = response.headers.getSetCookie();
            expect(setCookie, `[${where}] sign-in sets the session cookie`).toMatch(variant.cookie);
            return setCookie!.split(';', 1)[0]!;
          });

          const me = await step(where, 'GET /me with the cookie', output, async (signal) => {
            const response = await fetch(`${base}/me`, { headers: { cookie }, signal });
            return (await response.json()) as { user: string | null; name: string | null; runtime: string };
          });
          expect(me.user, `[${where}] the session is read back`).toBe('ada');
          expect(me.name).toBe('Ada Lovelace');
          expect(me.runtime, `[${where}] the app really ran there`).toContain(runtime.userAgent);

          const forged = await step(where, 'GET /me with a forged cookie', output, async (signal) => {
            const response = await fetch(`${base}/me`, {
              headers: { cookie: variant.forge(cookie) },
              signal,
            });
            return (await response.json()) as { user: string | null };
          });
          expect(forged.user, `[${where}] a forged cookie means no session`).toBeNull();
        }
      } finally {
        await app.stop();
      }
    }, 60_000);
  }
});

/**
 * Serves a test-only scenario bundle on `runtime`, checks that it really runs there, and hands the
 * suite its control routes' hooks.
 */
async function scenarioTarget(
  runtime: Runtime,
  module: string,
): Promise<{ baseUrl: string; hooks: RemoteHooks; close: () => Promise<void> }> {
  const { dir } = await bundled();
  const app = await serve(runtime, dir, module, '/none');
  try {
    const control = `${app.baseUrl}/__control`;
    const where = await step(runtime.name, 'GET /__control/runtime', app.output, async (signal) => {
      const response = await fetch(`${control}/runtime`, { signal });
      return (await response.json()) as { userAgent: string };
    });
    expect(where.userAgent, `[${runtime.name}] the app really runs there`).toContain(runtime.userAgent);
    return { baseUrl: app.baseUrl, hooks: await remoteHooks(control), close: () => app.stop() };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

// The whole scenario suite, once per runtime, on one process serving the test-only scenario app. Its
// control routes give the suite the clock, the store-call counts and the store (through which a cookie
// under the retired secret is minted). Declared "not run", by the suite, with the missing hook named:
// the second-instance scenarios (`peer`: another process sharing the memory store cannot exist, the
// store lives inside this one) and the store-outage scenarios (`storeControl`: a memory store cannot
// go down; the outage scenarios run on Node against a private redis-server in scenarios.test.ts).
for (const runtime of runtimes) {
  describeAdapterScenarios(
    `hono 4 on ${runtime.name} (one bundled ES module) · memory store in one process (no second instance shares it, and it cannot go down)`,
    {
      options: scenarioOptions,
      capabilities: { clock: true, storeCalls: true, store: true, storeControl: false, peer: false },
      groups: scenarioGroups,
      setup: () => scenarioTarget(runtime, 'scenario-app.mjs'),
    },
  );
}

// Sealed cookies, with a memory revocation store inside the app (so destroy, regenerate and sign-out
// hold): the clock is the control routes'; the suite's `store` hook is a sealedCookies() of its own
// over the app's revocation store (through the control routes), so the rotation scenario seals its
// cookie under the retired secret as an older deploy would have. Declared not run, by the suite, with
// the reason: the scenarios that need server-side state (sealed sessions keep none), the store-call
// counts (there is no session store), the second instance and the outage (as above).
for (const runtime of runtimes) {
  describeAdapterScenarios(
    `hono 4 on ${runtime.name} (one bundled ES module) · sealed cookies in one process`,
    {
      options: scenarioOptions,
      capabilities: {
        clock: true,
        storeCalls: false,
        store: true,
        storeControl: false,
        peer: false,
        serverState: false,
      },
      groups: scenarioGroups,
      async setup() {
        const target = await scenarioTarget(runtime, 'sealed-scenario-app.mjs');
        const revocation = target.hooks.store;
        return { ...target, hooks: { clock: target.hooks.clock, store: sealedCookies({ revocation }) } };
      },
    },
  );
}

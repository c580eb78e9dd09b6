import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Block,
  codeBlocks,
  compilerOptions,
  linkNodeModules,
  root,
  writeProgram,
} from './readme-blocks.ts';

// The README examples that are whole servers run as written, with Node (type stripping for the
// TypeScript ones), against the real stores they name: every one must start and answer `GET /` with 200,
// twice, the second time with the cookie the first one set. A preloaded module moves their fixed port to a
// spare loopback one. Node cannot strip decorators, so a README that uses them (NestJS) is compiled first,
// with its other blocks, by tsc.
const READMES = [
  'README.md',
  ...['core', 'express', 'fastify', 'hono', 'koa', 'memcached', 'nest', 'redis'].map(
    (name) => `packages/${name}/README.md`,
  ),
];
const isServer = (block: Block): boolean => /\.listen\((?:\d+|\{ port: \d+)|serve\(\{/.test(block.code);
const usesDecorators = (readme: string): boolean =>
  codeBlocks(readme).some((block) => /^\s*@\w+\(/m.test(block.code));
/** The route to ask for, where `/` is not one. */
const PROBE: Record<string, string> = { 'packages/nest/README.md': '/cart' };
const tsc = join(root, 'node_modules/.bin/tsc');

/** Compiles a README's TypeScript blocks to ES modules, once per README; resolves each block's output. */
const compilations = new Map<string, Promise<Map<number, string>>>();
function compiled(folder: string, readme: string): Promise<Map<number, string>> {
  let outputs = compilations.get(readme);
  if (outputs === undefined) {
    outputs = compile(folder, readme);
    compilations.set(readme, outputs);
  }
  return outputs;
}
async function compile(folder: string, readme: string): Promise<Map<number, string>> {
  const blocks = codeBlocks(readme).filter((block) => block.lang !== 'js');
  const names = writeProgram(folder, blocks);
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
  const options = {
    ...compilerOptions(false),
    noEmit: false,
    allowImportingTsExtensions: false,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    outDir: 'out',
  };
  writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: names }));
  await promisify(execFile)(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: folder }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`${readme} does not compile:\n${error.stdout ?? String(error)}`);
    },
  );
  return new Map(
    blocks.map((block, at) => [block.index, join(folder, 'out', names[at]!.replace(/\.ts$/, '.js'))]),
  );
}

const PRELOAD = `import { Server } from 'node:net';
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  const callback = typeof args.at(-1) === 'function' ? args.at(-1) : undefined;
  this.once('listening', () => process.stderr.write('README-EXAMPLE-LISTENING ' + this.address().port + '\\n'));
  return listen.call(this, 0, '127.0.0.1', ...(callback ? [callback] : []));
};
`;

const sparePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts a process and resolves the port it reported listening on (bounded), or rejects with its output. */
function started(child: ChildProcess, marker: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within 20 s:\n${output}`)),
      20_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = marker.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

let dir: string;
const children: ChildProcess[] = [];
let memcachedServers: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloakroom-readme-servers-'));
  linkNodeModules(dir);
  writeFileSync(join(dir, 'preload.mjs'), PRELOAD);
  // A private memcached for the Memcached example (MEMCACHED_SERVERS), from the binary the tests need.
  const port = await sparePort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '16', '-vv'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const memcached = spawn('memcached', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(memcached);
  memcached.once('error', () => {});
  await started(
    memcached,
    /server listening|^<\d+ server listening/m,
    `memcached (install it: bash .ci/services.sh)`,
  );
  memcachedServers = `127.0.0.1:${port}`;
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const cases = READMES.flatMap((readme) =>
  codeBlocks(readme)
    .filter(isServer)
    .map((block) => [`${readme} block ${block.index} (line ${block.line})`, block] as const),
);

describe('README servers', () => {
  it('are found', () => expect(cases.length).toBeGreaterThanOrEqual(10));

  it.each(cases)('%s starts and serves a GET twice', async (_title, block) => {
    const folder = join(dir, `${block.readme.replace(/\W+/g, '-')}-${block.index}`);
    mkdirSync(folder);
    let file = join(folder, block.lang === 'js' ? 'server.mjs' : 'server.ts');
    if (block.lang !== 'js' && usesDecorators(block.readme)) {
      const outputs = await compiled(
        join(dir, `${block.readme.replace(/\W+/g, '-')}-compiled`),
        block.readme,
      );
      file = outputs.get(block.index)!;
    } else writeFileSync(file, block.code);
    const child = spawn(process.execPath, ['--import', join(dir, 'preload.mjs'), file], {
      cwd: folder,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SESSION_SECRET: 'a-readme-example-secret-of-at-least-32-bytes',
        MEMCACHED_SERVERS: memcachedServers,
        NODE_ENV: 'production',
      },
    });
    children.push(child);
    const port = await started(child, /README-EXAMPLE-LISTENING (\d+)/, block.readme);
    const path = PROBE[block.readme] ?? '/';
    const first = await fetch(`http://127.0.0.1:${port}${path}`);
    expect(first.status, await first.clone().text()).toBe(200);
    const cookie = first.headers.get('set-cookie')?.split(';')[0];
    const second = await fetch(`http://127.0.0.1:${port}${path}`, { headers: cookie ? { cookie } : {} });
    expect(second.status).toBe(200);
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
  });
});

/**
 * `pnpm bench` (full, about 25 minutes on 2 cores) and `pnpm bench --quick` (a few minutes).
 * Options: `--only <regex>` runs only the HTTP variants whose id matches; `--no-micro` and `--no-http`
 * skip a part; `--sessions <n>` sets the sessions per variant (the cold rotation's size);
 * `--require-quiet` refuses to start when the load average is 1 or more. A complete full run writes results/latest.{json,md} and ../docs/bench.svg; `--quick` writes
 * results/quick.{json,md,svg} and a partial run results/partial.{json,md,svg}, leaving the committed ones alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, release, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { coreCost } from './core-cost.ts';
import { contention, type Rotation, throughput } from './load.ts';
import { cleanupMicro, deleteByPrefix, kyselyMicro, memoryMicro, redisMicro } from './micro.ts';
import { markdown, svg } from './report.ts';
import {
  type ContentionResult,
  cellOf,
  computeRatios,
  computeTargets,
  type Results,
  type Sample,
} from './results.ts';
import { measureRedisRoundTrips, measureRoundTrips } from './round-trips.ts';
import {
  type CacheStats,
  cacheStats,
  canPin,
  cpuMs,
  createSessions,
  get,
  pin,
  type RunningServer,
  startServer,
  stopServer,
} from './servers.ts';
import { GROUPS, ROUTES, VARIANTS, type Variant } from './variants.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-micro': { type: 'boolean', default: false },
    'no-http': { type: 'boolean', default: false },
    'wall-clock': { type: 'boolean', default: false },
    sessions: { type: 'string' },
    'require-quiet': { type: 'boolean', default: false },
  },
});

/** Core's verified-cookie cache holds 1 024 cookie values by default: the largest cache in the path. */
const LARGEST_CACHE = 1024;
const loadAtStart = loadavg();
const loud = (lines: string[]): void => {
  const bar = '!'.repeat(78);
  process.stdout.write(`${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n`);
};
process.stdout.write(`load average at start: ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}\n`);
if (loadAtStart[0]! >= 1) {
  loud([
    `LOAD AVERAGE ${loadAtStart[0]!.toFixed(2)} AT START: the machine is not quiet (issue 15 asks for < 1).`,
    'Other work competes with the servers: ratios are noisier and absolute numbers lower.',
    args['require-quiet'] ? 'Refusing to run (--require-quiet).' : 'Pass --require-quiet to refuse to run.',
  ]);
  if (args['require-quiet']) process.exit(1);
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = `${Date.now().toString(36)}${process.pid}`;
const PREFIX = `bench:${RUN_ID}:`;
const PG_TABLE = `bench_sessions_${RUN_ID}`;
const SERVER_CORE = 0;
const LOAD_CORE = 1;

const config = args.quick
  ? {
      seconds: 0.3,
      warmupSeconds: 0.1,
      sweeps: 1,
      connections: 16,
      sessions: Number(args.sessions ?? 256),
      hotSweeps: 1,
      hotSeconds: 0.3,
      largestCache: LARGEST_CACHE,
      contentionRequests: 100,
      contentionConnections: 16,
    }
  : {
      seconds: 1.25,
      warmupSeconds: 0.5,
      sweeps: 5,
      connections: 16,
      // 10× the largest cache, so the cold rotation finds (almost) nothing cached.
      sessions: Number(args.sessions ?? 10 * LARGEST_CACHE),
      hotSweeps: 3,
      hotSeconds: 0.75,
      largestCache: LARGEST_CACHE,
      contentionRequests: 2000,
      contentionConnections: 32,
    };
if (config.sessions < 10 * LARGEST_CACHE) {
  process.stdout.write(
    `note: ${config.sessions} sessions per variant, under 10 × ${LARGEST_CACHE}: the "cold" rotation is not cold (smoke run only).\n`,
  );
}
const micro = args.quick
  ? { seconds: 0.2, repeats: 1, memorySessions: 50_000, cleanupRows: 20_000 }
  : { seconds: 1.5, repeats: 3, memorySessions: 1_000_000, cleanupRows: 1_000_000 };

const only = args.only ? new RegExp(args.only) : null;
const variants = VARIANTS.filter((v) => !only || only.test(v.id) || v.kind === 'bare');
const started = performance.now();
const pinned = canPin() && pin(process.pid, LOAD_CORE);

const bench = fileURLToPath(new URL('../', import.meta.url));
function versionOf(name: string, from = bench): string {
  try {
    return (
      JSON.parse(readFileSync(`${from}node_modules/${name}/package.json`, 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

const versionNames = [
  ...new Set([
    '@cloakroom/session-core',
    'autocannon',
    ...VARIANTS.flatMap((v) => v.packages),
    'ioredis',
    'kysely',
    'pg',
  ]),
];
const results: Results = {
  mode: args.quick ? 'quick' : 'full',
  ratioBasis: args['wall-clock'] || cpuMs(process.pid) === null ? 'wall' : 'cpu',
  startedAt: new Date().toISOString(),
  finishedAt: '',
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.versions.node,
    os: `${type()} ${release()}`,
    pinned,
    loadAverageStart: loadAtStart,
    loadAverageEnd: [],
  },
  config,
  versions: Object.fromEntries(versionNames.map((name) => [name, versionOf(name)])),
  variants: [],
  http: {},
  hot: {},
  ratios: [],
  contention: [],
  roundTrips: [],
  micro: {},
  targets: [],
  notes: [],
};
if (!pinned)
  results.notes.push('taskset could not pin processes here: server and load generator share the cores.');
if (config.sessions < 10 * LARGEST_CACHE)
  results.notes.push(
    `Only ${config.sessions} sessions per variant (under 10 × the ${LARGEST_CACHE}-entry verified-cookie cache): the cold rotation is not cold; a smoke run, not a measurement.`,
  );
if (loadAtStart[0]! >= 1)
  results.notes.push(
    `**Load average ${loadAtStart[0]!.toFixed(2)} at the start (issue 15 asks for under 1): the machine was not quiet.**`,
  );
if (cpus().length < 2) results.notes.push('Fewer than 2 cores: the load generator competes with the server.');

let step = 0;
const totalSteps =
  (args['no-http']
    ? 0
    : variants.length * ROUTES.length * (config.sweeps + config.hotSweeps) +
      variants.filter((v) => v.kind !== 'bare').length) +
  (args['no-micro'] ? 0 : 5) +
  1;
function progress(message: string): void {
  step++;
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[${String(step).padStart(3)}/${totalSteps}] ${elapsed} s  ${message}\n`);
}
const fmt = (r: Sample): string =>
  `${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  ${r.cpuUs === null ? '' : `${r.cpuUs.toFixed(0).padStart(4)} µs CPU/req  `}p50 ${r.p50} ms  p99 ${r.p99} ms${r.non2xx + r.errors > 0 ? `  (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}${r.cacheHits === undefined ? '' : `  cache hits ${r.cacheHits}/${r.cacheHits + r.cacheMisses!}`}`;

function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
const servers = { redis: await reachable(REDIS_URL, 6379), postgres: await reachable(PG_URL, 5432) };
const unavailable = (v: Variant): string | null => {
  if (v.store === 'redis' && !servers.redis) return `Redis is not reachable at ${REDIS_URL} (set REDIS_URL)`;
  if (v.store === 'postgres' && !servers.postgres)
    return `PostgreSQL is not reachable at ${PG_URL} (set PG_URL)`;
  return null;
};

const rotate = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);

/** Newest modification time of the files under a directory (build output and dependencies left out). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = `${entry.parentPath}/${entry.name}`;
    // next build itself rewrites tsconfig.json and next-env.d.ts: they do not make a build stale.
    if (!entry.isFile() || /\/(\.next|node_modules)\/|\/(tsconfig\.json|next-env\.d\.ts)$/.test(path))
      continue;
    latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds servers/next-app (next build) unless its build is newer than its sources and than
 * @cloakroom/session-next's dist. Throws with the build's output when it fails.
 */
function buildNextApp(): void {
  const app = `${bench}servers/next-app`;
  const buildId = `${app}/.next/BUILD_ID`;
  const adapter = `${bench}node_modules/@cloakroom/session-next/dist`;
  if (existsSync(buildId)) {
    const built = statSync(buildId).mtimeMs;
    if (built > newest(app) && (!existsSync(adapter) || built > newest(adapter))) return;
  }
  process.stdout.write('      building servers/next-app (next build) ...\n');
  const build = spawnSync(process.execPath, [`${bench}node_modules/next/dist/bin/next`, 'build', app], {
    encoding: 'utf8',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    timeout: 300_000,
  });
  if (build.status !== 0)
    throw new Error(`next build failed: ${`${build.stdout}${build.stderr}`.slice(-600)}`);
}

async function runGroup(group: (typeof GROUPS)[number]): Promise<void> {
  const members = variants.filter((v) => v.group === group);
  if (members.length === 0) return;
  if (group === 'next') {
    try {
      buildNextApp();
    } catch (error) {
      for (const v of members)
        results.variants.push({ id: v.id, ok: false, error: (error as Error).message });
      return;
    }
  }
  const running = new Map<string, RunningServer>();
  const cookies = new Map<string, string[]>();
  try {
    // Servers start and create their sessions side by side; measurements below run one at a time.
    await Promise.all(
      members.map(async (v) => {
        const missing = unavailable(v);
        if (missing) {
          results.variants.push({ id: v.id, ok: false, error: missing });
          return;
        }
        try {
          const server = await startServer(v.id, {
            core: pinned ? SERVER_CORE : null,
            env: { BENCH_PREFIX: `${PREFIX}${v.id}:`, BENCH_PG_TABLE: PG_TABLE, REDIS_URL, PG_URL },
            timeoutMs: 60_000,
          });
          running.set(v.id, server);
          if (v.kind !== 'bare') {
            const list = await createSessions(server.port, config.sessions);
            const check = await get(server.port, '/read', list[0]);
            if (check.status !== 200 || check.body !== '1') {
              throw new Error(
                `a session created by /write reads back ${check.status} "${check.body}", not 1`,
              );
            }
            cookies.set(v.id, list);
          }
          results.variants.push({ id: v.id, ok: true });
        } catch (error) {
          const server = running.get(v.id);
          running.delete(v.id);
          if (server) await stopServer(server);
          results.variants.push({ id: v.id, ok: false, error: (error as Error).message });
          process.stdout.write(`      ${v.id}: could not run: ${(error as Error).message.slice(0, 300)}\n`);
        }
      }),
    );
    const live = members.filter((v) => running.has(v.id));
    // The bare framework gets the same Cookie headers as a session variant, so header parsing costs alike.
    const anyCookies = [...cookies.values()][0] ?? [];
    const cookiesOf = (v: Variant): string[] => cookies.get(v.id) ?? anyCookies;
    const samples = new Map<string, Sample[]>();
    // Each variant's cold rotation goes on from where its last measurement stopped, so a slow variant
    // (a few hundred requests per measurement) never comes back to sessions still in its cache.
    const cursor = new Map<string, number>();
    /** One measurement; for a Cloakroom variant, with its cache counters over it. */
    const measure = async (
      v: Variant,
      route: string,
      rotation: Rotation,
      seconds: number,
    ): Promise<Sample> => {
      const server = running.get(v.id)!;
      const before: CacheStats | null = v.kind === 'cloakroom' ? await cacheStats(server) : null;
      const result = await throughput({
        port: server.port,
        pid: server.child.pid!,
        route,
        seconds,
        connections: config.connections,
        cookies: cookiesOf(v),
        rotation,
        start: rotation === 'cold' ? (cursor.get(v.id) ?? 0) : 0,
      });
      if (rotation === 'cold') {
        const total = Math.max(1, cookiesOf(v).length);
        cursor.set(v.id, ((cursor.get(v.id) ?? 0) + result.ok + result.non2xx) % total);
      }
      const after = before ? await cacheStats(server) : null;
      return before && after
        ? { ...result, cacheHits: after.hits - before.hits, cacheMisses: after.misses - before.misses }
        : result;
    };
    for (const v of live) {
      for (const route of ROUTES) await measure(v, route, 'cold', config.warmupSeconds);
    }
    // Cold and hot sweeps interleave, so both see the same machine; the rotated order spreads drift.
    for (let sweep = 0; sweep < Math.max(config.sweeps, config.hotSweeps); sweep++) {
      for (const rotation of ['cold', 'hot'] as const) {
        const sweeps = rotation === 'cold' ? config.sweeps : config.hotSweeps;
        if (sweep >= sweeps) continue;
        for (const route of ROUTES) {
          for (const v of rotate(live, sweep)) {
            const result = await measure(
              v,
              route,
              rotation,
              rotation === 'cold' ? config.seconds : config.hotSeconds,
            );
            const key = `${rotation} ${v.id} ${route}`;
            samples.set(key, [...(samples.get(key) ?? []), result]);
            progress(
              `${v.id.padEnd(28)} ${route.padEnd(6)} ${rotation} ${sweep + 1}/${sweeps}  ${fmt(result)}`,
            );
          }
        }
      }
    }
    for (const v of live) {
      for (const rotation of ['cold', 'hot'] as const) {
        (rotation === 'cold' ? results.http : results.hot)[v.id] = Object.fromEntries(
          ROUTES.map((route) => [route, cellOf(samples.get(`${rotation} ${v.id} ${route}`) ?? [])]),
        );
      }
    }
    for (const v of live.filter((v) => v.kind !== 'bare')) {
      const port = running.get(v.id)!.port;
      const [cookie] = await createSessions(port, 1, 1);
      const run = await contention({
        port,
        cookie: cookie!,
        amount: config.contentionRequests,
        connections: config.contentionConnections,
      });
      const read = await get(port, '/read', cookie);
      const finalCounter = Number(read.body);
      const row: ContentionResult = {
        variant: v.id,
        requests: config.contentionRequests,
        ok: run.ok,
        failed: run.failed,
        finalCounter,
        lost: Math.max(0, run.ok - (finalCounter - 1)),
      };
      results.contention.push(row);
      progress(
        `${v.id.padEnd(28)} contention: ${row.ok} 2xx, final counter ${row.finalCounter}, ${row.lost} lost`,
      );
    }
  } finally {
    await Promise.all([...running.values()].map(stopServer));
  }
}

async function cleanUp(): Promise<void> {
  if (servers.redis) {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await deleteByPrefix(client, PREFIX);
    await client.quit();
  }
  if (servers.postgres) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${PG_TABLE}"`);
    await client.end();
  }
}

async function attempt<T>(name: string, run: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await run();
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.slice(0, 300);
    process.stdout.write(`      ${name}: could not run: ${message}\n`);
    return { error: message };
  }
}

try {
  results.roundTrips = await measureRoundTrips();
  if (servers.redis)
    results.roundTripsRedis = await measureRedisRoundTrips(REDIS_URL, `${PREFIX}round-trips:`);
  progress(`round trips: ${results.roundTrips.map((r) => `${r.scenario} ${r.total}`).join(', ')}`);
  if (!args['no-http']) for (const group of GROUPS) await runGroup(group);
  if (!args['no-micro']) {
    const needs = (ok: boolean, what: string, url: string, variable: string): void => {
      if (!ok) throw new Error(`${what} is not reachable at ${url} (set ${variable})`);
    };
    results.micro.core = await attempt('core', () => coreCost(micro.seconds));
    progress(
      `core per request (no HTTP): ${Array.isArray(results.micro.core) ? results.micro.core.map((r) => `${r.route} ${r.microseconds.toFixed(1)} µs`).join(', ') : 'failed'}`,
    );
    results.micro.redis = await attempt('redis', async () => {
      needs(servers.redis, 'Redis', REDIS_URL, 'REDIS_URL');
      return redisMicro({
        url: REDIS_URL,
        prefix: `${PREFIX}micro:`,
        seconds: micro.seconds,
        repeats: micro.repeats,
      });
    });
    progress(
      `Redis store vs raw ioredis: ${Array.isArray(results.micro.redis) ? results.micro.redis.map((r) => `${r.operation} ${r.mode} ${r.ratio.toFixed(2)}×`).join(', ') : 'failed'}`,
    );
    results.micro.kysely = await attempt('kysely', async () => {
      needs(servers.postgres, 'PostgreSQL', PG_URL, 'PG_URL');
      return kyselyMicro({
        url: PG_URL,
        table: `bench_micro_${RUN_ID}`,
        seconds: micro.seconds,
        repeats: micro.repeats,
      });
    });
    progress(
      `Kysely store vs raw pg: ${Array.isArray(results.micro.kysely) ? results.micro.kysely.map((r) => `${r.mode} ${r.ratio.toFixed(2)}×`).join(', ') : 'failed'}`,
    );
    results.micro.memory = await attempt('memory', () => memoryMicro(micro.memorySessions, micro.seconds));
    progress(
      `memory store at ${micro.memorySessions.toLocaleString('en-US')} sessions: ${'error' in results.micro.memory ? 'failed' : `${Math.round(results.micro.memory.bytesPerSession)} bytes/session`}`,
    );
    results.micro.cleanup = await attempt('cleanup', async () => {
      needs(servers.postgres, 'PostgreSQL', PG_URL, 'PG_URL');
      return cleanupMicro({ url: PG_URL, table: `bench_cleanup_${RUN_ID}`, rows: micro.cleanupRows });
    });
    progress(
      `SQL cleanup of ${micro.cleanupRows.toLocaleString('en-US')} rows: ${'error' in results.micro.cleanup ? 'failed' : `${results.micro.cleanup.seconds.toFixed(1)} s, live p99 ${results.micro.cleanup.p99Ms.toFixed(1)} ms`}`,
    );
  }
} finally {
  await cleanUp();
}

results.finishedAt = new Date().toISOString();
results.machine.loadAverageEnd = loadavg();
if (Math.max(...results.machine.loadAverageStart, ...results.machine.loadAverageEnd) > results.machine.cpus) {
  results.notes.push(
    `The machine was busy with other work (load average above ${results.machine.cpus}, the number of cores): absolute numbers are low and noisy; interleaving spreads the noise over all variants alike, but ratios near 1.0 are within noise when their spread overlaps.`,
  );
}
results.ratios = computeRatios(results);
results.targets = computeTargets(results);
const out = fileURLToPath(new URL('../results/', import.meta.url));
// Only a complete full run replaces the committed results and chart; a quick or partial run writes beside them.
const complete = !args.quick && !args.only && !args['no-http'] && !args['no-micro'] && !args['wall-clock'];
const name = complete ? 'latest' : args.quick ? 'quick' : 'partial';
mkdirSync(out, { recursive: true });
writeFileSync(`${out}${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${out}${name}.md`, markdown(results));
const chart = fileURLToPath(
  new URL(complete ? '../../docs/bench.svg' : `../results/${name}.svg`, import.meta.url),
);
mkdirSync(fileURLToPath(new URL('./', `file://${chart}`)), { recursive: true });
writeFileSync(chart, svg(results));
const met = results.targets.filter((t) => t.met === true).length;
const missed = results.targets.filter((t) => t.met === false).length;
process.stdout.write(
  `load average at start ${results.machine.loadAverageStart.map((n) => n.toFixed(2)).join(' ')}, at the end ${results.machine.loadAverageEnd.map((n) => n.toFixed(2)).join(' ')}\n`,
);
process.stdout.write(
  `done in ${((performance.now() - started) / 1000).toFixed(0)} s: targets ${met} met, ${missed} missed; wrote bench/results/${name}.{json,md} and ${complete ? 'docs/bench.svg' : `bench/results/${name}.svg`}\n`,
);

/**
 * Runs one variant's server under `node --cpu-prof` while load is applied to one route, and prints the
 * top self-time frames of the loaded window (start-up and session creation left out) as Markdown.
 *
 *   node bench/src/profile.ts --variant express-cloakroom-memory --route /read
 *   node bench/src/profile.ts --variant hono-cloakroom-memory --route /read --root /tmp/bench-before
 *
 * Options: `--seconds` (10) of load after a 2 s warm-up, `--top` (25) frames, `--rotation` cold|hot
 * (cold), `--sessions` (10 240), `--interval` sampling interval in µs (200), `--root` another checkout
 * whose bench/servers/ to run (an old commit's worktree, for "before" profiles), `--out` also write
 * the Markdown there, `--keep` keep the .cpuprofile (its path is printed; open it in Chrome DevTools).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { throughput } from './load.ts';
import { deleteByPrefix } from './micro.ts';
import { canPin, createSessions, pin, startServer, stopServer } from './servers.ts';
import { VARIANTS } from './variants.ts';

/** The parts of a V8 .cpuprofile this reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
  }>;
  /** Microseconds, on the machine's monotonic clock (the one process.hrtime reads). */
  readonly startTime: number;
  readonly endTime: number;
  /** The node each sample hit. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface Frame {
  readonly functionName: string;
  /** Where it is, shortened: `express/lib/router/index.js:123`, `packages/core/dist/x.js:45`, `node:internal/...`. */
  readonly location: string;
  /** Self time in the window, in microseconds. */
  readonly selfUs: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, in microseconds. */
  readonly busyUs: number;
  readonly idleUs: number;
  /** Every frame, by self time, highest first. */
  readonly frames: Frame[];
  /** Self time per source (package, Cloakroom package, Node internals, V8 pseudo-frames), highest first. */
  readonly sources: Array<{ readonly source: string; readonly selfUs: number }>;
}

/** A short location for a frame's script URL. */
export function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  let path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) path = path.slice(modules + '/node_modules/'.length);
  else {
    const packages = path.search(/\/(packages|bench|apps)\//);
    if (packages >= 0) path = path.slice(packages + 1);
  }
  return `${path}:${line + 1}`;
}

/** Which package or area a script URL belongs to. */
export function sourceOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const pkg = /\/(packages\/[^/]+|bench\/servers)\//.exec(url);
  return pkg ? pkg[1]! : url;
}

/**
 * Self time per frame over the samples taken between `from` and `to` (µs on the monotonic clock; the
 * whole profile when they are omitted). A sample's time is the gap to the next sample.
 */
export function summarize(profile: CpuProfile, from = -Infinity, to = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const frames = new Map<string, { functionName: string; location: string; selfUs: number }>();
  const sources = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    if (at < from || at > to) continue;
    const next = profile.timeDeltas[i + 1];
    const weight = next !== undefined && next >= 0 ? next : 0;
    const frame = byId.get(profile.samples[i]!);
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleUs += weight;
      continue;
    }
    busyUs += weight;
    const location = shortLocation(frame.url, frame.lineNumber);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${location}`;
    const entry = frames.get(key) ?? { functionName: name, location, selfUs: 0 };
    entry.selfUs += weight;
    frames.set(key, entry);
    const source = sourceOf(frame.url, frame.functionName);
    sources.set(source, (sources.get(source) ?? 0) + weight);
  }
  return {
    busyUs,
    idleUs,
    frames: [...frames.values()].sort((a, b) => b.selfUs - a.selfUs),
    sources: [...sources.entries()]
      .map(([source, selfUs]) => ({ source, selfUs }))
      .sort((a, b) => b.selfUs - a.selfUs),
  };
}

/** The summary as Markdown tables, with self time per request when the request count is known. */
export function profileMarkdown(summary: ProfileSummary, top: number, requests: number): string {
  const pct = (us: number): string => `${((us / summary.busyUs) * 100).toFixed(1)} %`;
  const perRequest = (us: number): string => (requests > 0 ? (us / requests).toFixed(2) : '–');
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const out = [
    '| # | self | µs/req | function | where |',
    '|---:|---:|---:|---|---|',
    ...summary.frames
      .slice(0, top)
      .map(
        (f, i) =>
          `| ${i + 1} | ${pct(f.selfUs)} | ${perRequest(f.selfUs)} | \`${cell(f.functionName)}\` | ${cell(f.location)} |`,
      ),
    '',
    '| source | self | µs/req |',
    '|---|---:|---:|',
    ...summary.sources
      .slice(0, 12)
      .map((s) => `| ${cell(s.source)} | ${pct(s.selfUs)} | ${perRequest(s.selfUs)} |`),
  ];
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      variant: { type: 'string' },
      route: { type: 'string', default: '/read' },
      seconds: { type: 'string', default: '10' },
      top: { type: 'string', default: '25' },
      rotation: { type: 'string', default: 'cold' },
      sessions: { type: 'string', default: '10240' },
      interval: { type: 'string', default: '200' },
      root: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const variant = VARIANTS.find((v) => v.id === args.variant);
  if (!variant) {
    throw new Error(
      `profile: --variant must be one of: ${VARIANTS.map((v) => v.id).join(', ')} (got ${args.variant})`,
    );
  }
  const rotation = args.rotation === 'hot' ? 'hot' : 'cold';
  const route = args.route!;
  const serversDir = args.root ? `${resolve(args.root)}/bench/servers/` : undefined;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench:profile:${process.pid}:`;
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-profile-'));
  const pinned = canPin() && pin(process.pid, 1);
  const server = await startServer(variant.id, {
    core: pinned ? 0 : null,
    env: {
      BENCH_PREFIX: prefix,
      BENCH_PG_TABLE: `bench_profile_${process.pid}`,
      REDIS_URL: redisUrl,
      PG_URL: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    timeoutMs: 60_000,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${args.interval}`],
    ...(serversDir ? { serversDir } : {}),
  });
  let result: Awaited<ReturnType<typeof throughput>>;
  let from: number;
  let to: number;
  try {
    const cookies = variant.kind === 'bare' ? [] : await createSessions(server.port, Number(args.sessions));
    const load = (seconds: number, start = 0) =>
      throughput({
        start,
        port: server.port,
        pid: server.child.pid!,
        route,
        seconds,
        connections: 16,
        cookies,
        rotation,
      });
    const warm = await load(2);
    from = Number(process.hrtime.bigint() / 1000n);
    // The cold rotation goes on past the sessions the warm-up left in the cache.
    result = await load(Number(args.seconds), warm.ok + warm.non2xx);
    to = Number(process.hrtime.bigint() / 1000n);
  } finally {
    await stopServer(server);
    if (variant.store === 'redis') {
      const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      await deleteByPrefix(client, prefix);
      await client.quit();
    }
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`profile: the server wrote no .cpuprofile into ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const summary = summarize(profile, from, to);
  const requests = result.ok + result.non2xx;
  const header =
    `**${variant.id} ${route}** (${rotation} rotation${args.root ? `, ${args.root}` : ''}): ${requests.toLocaleString('en-US')} requests in ${args.seconds} s, ` +
    `${Math.round(result.rps).toLocaleString('en-US')} req/s, ${result.cpuUs?.toFixed(0) ?? '–'} µs server CPU per request; ` +
    `${(summary.busyUs / 1000).toFixed(0)} ms sampled busy, ${(summary.idleUs / 1000).toFixed(0)} ms idle.\n\n`;
  const markdown = header + profileMarkdown(summary, Number(args.top), requests);
  process.stdout.write(markdown);
  if (args.out) writeFileSync(args.out, markdown);
  if (args.keep) process.stdout.write(`\nprofile: ${join(dir, file)}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

if (import.meta.main) await main();

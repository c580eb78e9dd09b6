/** The shape of bench/results/latest.json, and the ratios and targets derived from the measurements. */

import type { CoreCost } from './core-cost.ts';
import type { LoadResult, Rotation } from './load.ts';
import type { CleanupResult, MemoryResult, OpsComparison } from './micro.ts';
import type { RoundTrips } from './round-trips.ts';
import { median, ratio, spread } from './stats.ts';
import { bareOf, type Group, ROUTES, type Route, VARIANTS, type Variant } from './variants.ts';

export interface Cell {
  readonly samples: Sample[];
  /** Medians over the sweeps. */
  readonly rps: number;
  /** Responses per second of server CPU time (see {@link LoadResult.capacity}); NaN without /proc. */
  readonly capacity: number;
  readonly cpuUs: number;
  readonly p50: number;
  readonly p99: number;
  /** (max - min) / median over the sweeps, of req/s and of capacity. */
  readonly spread: number;
  readonly capacitySpread: number;
  readonly non2xx: number;
  readonly errors: number;
  /**
   * Share of cookie verifications the server's verified-cookie cache answered over the measurements
   * (hits / (hits + misses)); null for a server without a Cloakroom manager or a route that verified none.
   */
  readonly cacheHitRate: number | null;
}

/** One measurement, with the server's verified-cookie cache counters over it when it has them. */
export type Sample = LoadResult & { readonly cacheHits?: number; readonly cacheMisses?: number };

export interface VariantStatus {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ContentionResult {
  readonly variant: string;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  /** The counter read back afterwards; it was 1 before the run. */
  readonly finalCounter: number;
  /** 2xx answers whose increment is missing from the final counter. */
  readonly lost: number;
}

export interface RatioRow {
  readonly rotation: Rotation;
  readonly variant: string;
  readonly route: Route;
  readonly toBare: { value: number; low: number; high: number };
  readonly peer?: string;
  readonly toPeer?: { value: number; low: number; high: number };
}

export interface Target {
  /** The issue that sets it. */
  readonly issue: number;
  readonly name: string;
  readonly required: string;
  /** The median (of per-sweep ratios, for HTTP targets), or why it was not measured. */
  readonly measured: string;
  /** Min–max of the per-sweep ratios; empty where there is none. */
  readonly spread: string;
  /** Met when the median clears the bar; null when it could not be measured. */
  readonly met: boolean | null;
  /** A stretch goal: reported, not required. */
  readonly stretch?: boolean;
}

export interface Results {
  readonly mode: 'full' | 'quick';
  /**
   * What ratios compare: `cpu` = responses per second of server CPU time (robust on a shared machine),
   * `wall` = req/s of wall-clock time.
   */
  readonly ratioBasis: 'cpu' | 'wall';
  readonly startedAt: string;
  finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly node: string;
    readonly os: string;
    readonly pinned: boolean;
    readonly loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  readonly config: {
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly sweeps: number;
    readonly connections: number;
    /** Sessions per variant, created before timing; the cold rotation cycles through all of them. */
    readonly sessions: number;
    /** Sweeps (and seconds per measurement) of the hot rotation, run beside the cold one. */
    readonly hotSweeps: number;
    readonly hotSeconds: number;
    /** Entries of core's verified-cookie cache (its default), the largest cache in the path. */
    readonly largestCache: number;
    readonly contentionRequests: number;
    readonly contentionConnections: number;
  };
  readonly versions: Record<string, string>;
  readonly variants: VariantStatus[];
  /** The cold rotation: what the targets are judged on. */
  readonly http: Record<string, Partial<Record<Route, Cell>>>;
  /** The hot rotation (each connection keeps one session). */
  readonly hot: Record<string, Partial<Record<Route, Cell>>>;
  ratios: RatioRow[];
  readonly contention: ContentionResult[];
  roundTrips: RoundTrips[];
  /** The same requests on the Redis store, with the commands its client sent; absent without Redis. */
  roundTripsRedis?: RoundTrips[];
  readonly micro: {
    core?: CoreCost[] | { error: string };
    redis?: OpsComparison[] | { error: string };
    kysely?: OpsComparison[] | { error: string };
    memory?: MemoryResult | { error: string };
    cleanup?: CleanupResult | { error: string };
  };
  targets: Target[];
  readonly notes: string[];
}

export function cellOf(samples: Sample[]): Cell {
  const hits = samples.reduce((sum, s) => sum + (s.cacheHits ?? 0), 0);
  const looked = hits + samples.reduce((sum, s) => sum + (s.cacheMisses ?? 0), 0);
  return {
    cacheHitRate: looked === 0 ? null : hits / looked,
    samples,
    rps: median(samples.map((s) => s.rps)),
    capacity: median(samples.map((s) => s.capacity ?? Number.NaN)),
    cpuUs: median(samples.map((s) => s.cpuUs ?? Number.NaN)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    spread: spread(samples.map((s) => s.rps)),
    capacitySpread: spread(samples.map((s) => s.capacity ?? Number.NaN)),
    non2xx: samples.reduce((sum, s) => sum + s.non2xx, 0),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

/**
 * The samples ratios are taken from: capacity (responses per server CPU-second) where every sample has
 * it, else wall-clock req/s. See `Results.ratioBasis`.
 */
function rpsOf(results: Results, id: string, route: Route, rotation: Rotation = 'cold'): number[] | null {
  const cell = (rotation === 'cold' ? results.http : results.hot)[id]?.[route];
  if (!cell || cell.samples.length === 0) return null;
  if (results.ratioBasis === 'cpu' && cell.samples.every((s) => s.capacity !== null)) {
    return cell.samples.map((s) => s.capacity!);
  }
  return cell.samples.map((s) => s.rps);
}

/** Ratios of every non-bare variant to its group's bare framework, and of Cloakroom to its peer. */
export function computeRatios(results: Results): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const rotation of ['cold', 'hot'] as const) {
    for (const variant of VARIANTS) {
      if (variant.kind === 'bare') continue;
      const bare = VARIANTS.find((v) => v.group === variant.group && v.kind === 'bare')!;
      for (const route of ROUTES) {
        const ours = rpsOf(results, variant.id, route, rotation);
        const base = rpsOf(results, bare.id, route, rotation);
        if (!ours || !base) continue;
        const peerSamples = variant.peer ? rpsOf(results, variant.peer, route, rotation) : null;
        rows.push({
          rotation,
          variant: variant.id,
          route,
          toBare: ratio(ours, base),
          ...(variant.peer && peerSamples ? { peer: variant.peer, toPeer: ratio(ours, peerSamples) } : {}),
        });
      }
    }
  }
  return rows;
}

const fmt = (n: number): string => n.toFixed(2);

/**
 * Every target of issues 15 (hot path), 17 (Fastify) and 18 (sealed cookies), judged on the cold
 * rotation: met when the median of the per-sweep ratios clears the bar; the min–max of those ratios is
 * the spread shown beside it.
 */
export function computeTargets(results: Results): Target[] {
  const targets: Target[] = [];
  const ratioTarget = (
    issue: number,
    name: string,
    ours: string,
    route: Route,
    against: string,
    min: number,
    stretch = false,
  ): void => {
    const known = (id: string): boolean => VARIANTS.some((v) => v.id === id);
    const missing = [ours, against].find((id) => !known(id));
    const a = rpsOf(results, ours, route);
    const b = rpsOf(results, against, route);
    const r = a && b ? ratio(a, b) : null;
    targets.push({
      issue,
      name,
      required: `≥ ${min}×`,
      measured: r
        ? `${fmt(r.value)}×`
        : missing
          ? `not measured: no variant ${missing} yet`
          : 'not measured (variant not run)',
      spread: r ? `${fmt(r.low)}–${fmt(r.high)}` : '',
      met: r ? r.value >= min : null,
      ...(stretch ? { stretch } : {}),
    });
  };
  const cloakroom = VARIANTS.filter((v) => v.kind === 'cloakroom');
  const of = (group: Group, mode: Variant['mode'], store?: Variant['store']): Variant[] =>
    cloakroom.filter(
      (v) => v.group === group && (v.mode ?? 'store') === mode && (store === undefined || v.store === store),
    );
  const bareId = (group: Group): string => bareOf(group).id;

  // Issue 15: the hot path.
  for (const group of ['express', 'koa', 'hono', 'nest', 'next'] as const) {
    for (const v of of(group, 'store'))
      ratioTarget(15, `${v.id} /none vs bare`, v.id, '/none', bareId(group), 0.95);
  }
  for (const group of ['express', 'koa', 'hono'] as const) {
    for (const v of of(group, 'store', 'memory')) {
      ratioTarget(15, `${v.id} /read vs bare`, v.id, '/read', bareId(group), 0.7);
      ratioTarget(15, `${v.id} /write vs bare`, v.id, '/write', bareId(group), 0.6);
    }
  }
  const peer = 'express-session-redis';
  ratioTarget(
    15,
    'express-cloakroom-redis /read vs express-session + connect-redis',
    'express-cloakroom-redis',
    '/read',
    peer,
    1.5,
  );
  ratioTarget(
    15,
    'express-cloakroom-redis /write vs express-session + connect-redis',
    'express-cloakroom-redis',
    '/write',
    peer,
    1.3,
  );
  ratioTarget(
    15,
    'express-cloakroom-redis /read vs express-session + connect-redis (stretch)',
    'express-cloakroom-redis',
    '/read',
    peer,
    2,
    true,
  );
  ratioTarget(
    15,
    'express-cloakroom-redis /write vs express-session + connect-redis (stretch)',
    'express-cloakroom-redis',
    '/write',
    peer,
    1.5,
    true,
  );
  for (const v of cloakroom.filter((v) => v.store === 'redis' && (v.mode ?? 'store') === 'store')) {
    ratioTarget(15, `${v.id} /read vs bare`, v.id, '/read', bareId(v.group), 0.5);
    ratioTarget(15, `${v.id} /write vs bare`, v.id, '/write', bareId(v.group), 0.35);
  }
  const redis = results.micro.redis;
  if (Array.isArray(redis)) {
    // get against a raw GET; set against raw ioredis running the same script (a raw SET is reported beside it).
    for (const row of redis.filter((r) => r.operation !== 'set')) {
      targets.push({
        issue: 15,
        name: `Redis store ${row.operation} vs raw ioredis (${row.mode})`,
        required: '≥ 0.9×',
        measured: `${fmt(row.ratio)}×`,
        spread: '',
        met: row.ratio >= 0.9,
      });
    }
  } else {
    targets.push({
      issue: 15,
      name: 'Redis store get/set vs raw ioredis',
      required: '≥ 0.9×',
      measured: 'not measured',
      spread: '',
      met: null,
    });
  }
  for (const row of results.contention) {
    const variant = VARIANTS.find((v) => v.id === row.variant);
    if (variant?.kind !== 'cloakroom' || (variant.mode ?? 'store') !== 'store') continue;
    targets.push({
      issue: 15,
      name: `${row.variant} contention: lost updates`,
      required: '0 lost',
      measured: `${row.lost} lost of ${row.ok}`,
      spread: '',
      met: row.lost === 0,
    });
  }

  // Issue 17: Fastify.
  for (const v of of('fastify', 'store'))
    ratioTarget(17, `${v.id} /none vs bare`, v.id, '/none', bareId('fastify'), 0.95);
  for (const v of of('fastify', 'store', 'memory')) {
    ratioTarget(17, `${v.id} /read vs bare`, v.id, '/read', bareId('fastify'), 0.7);
    ratioTarget(17, `${v.id} /read vs @fastify/session`, v.id, '/read', 'fastify-session', 1.4);
  }

  // Issue 18: sealed cookies.
  ratioTarget(
    18,
    'express-cloakroom-sealed /read vs iron-session',
    'express-cloakroom-sealed',
    '/read',
    'express-iron-session',
    3,
  );
  ratioTarget(
    18,
    'koa-cloakroom-sealed /read vs koa-session cookie mode',
    'koa-cloakroom-sealed',
    '/read',
    'koa-session-cookie',
    1.5,
  );
  const sealed = cloakroom.filter((v) => v.mode === 'sealed');
  for (const v of sealed.length > 0
    ? sealed
    : [{ id: 'express-cloakroom-sealed', group: 'express' as const }]) {
    ratioTarget(18, `${v.id} /none vs bare`, v.id, '/none', bareId(v.group), 0.95);
  }
  return targets;
}

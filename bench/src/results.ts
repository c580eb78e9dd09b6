/** The shape of bench/results/latest.json, and the ratios and targets derived from the measurements. */

import type { CoreCost } from './core-cost.ts';
import type { LoadResult } from './load.ts';
import type { CleanupResult, MemoryResult, OpsComparison } from './micro.ts';
import type { RoundTrips } from './round-trips.ts';
import { median, ratio, spread } from './stats.ts';
import { ROUTES, type Route, VARIANTS, type Variant } from './variants.ts';

export interface Cell {
  readonly samples: LoadResult[];
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
}

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
  readonly variant: string;
  readonly route: Route;
  readonly toBare: { value: number; low: number; high: number };
  readonly peer?: string;
  readonly toPeer?: { value: number; low: number; high: number };
}

export interface Target {
  readonly name: string;
  readonly required: string;
  readonly measured: string;
  /** null when it could not be measured. */
  readonly met: boolean | null;
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
    readonly sessions: number;
    readonly contentionRequests: number;
    readonly contentionConnections: number;
  };
  readonly versions: Record<string, string>;
  readonly variants: VariantStatus[];
  readonly http: Record<string, Partial<Record<Route, Cell>>>;
  ratios: RatioRow[];
  readonly contention: ContentionResult[];
  roundTrips: RoundTrips[];
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

export function cellOf(samples: LoadResult[]): Cell {
  return {
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
function rpsOf(results: Results, id: string, route: Route): number[] | null {
  const cell = results.http[id]?.[route];
  if (!cell || cell.samples.length === 0) return null;
  if (results.ratioBasis === 'cpu' && cell.samples.every((s) => s.capacity !== null)) {
    return cell.samples.map((s) => s.capacity!);
  }
  return cell.samples.map((s) => s.rps);
}

/** Ratios of every non-bare variant to its group's bare framework, and of Cloakroom to its peer. */
export function computeRatios(results: Results): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const variant of VARIANTS) {
    if (variant.kind === 'bare') continue;
    const bare = VARIANTS.find((v) => v.group === variant.group && v.kind === 'bare')!;
    for (const route of ROUTES) {
      const ours = rpsOf(results, variant.id, route);
      const base = rpsOf(results, bare.id, route);
      if (!ours || !base) continue;
      const peerSamples = variant.peer ? rpsOf(results, variant.peer, route) : null;
      rows.push({
        variant: variant.id,
        route,
        toBare: ratio(ours, base),
        ...(variant.peer && peerSamples ? { peer: variant.peer, toPeer: ratio(ours, peerSamples) } : {}),
      });
    }
  }
  return rows;
}

const fmt = (n: number): string => n.toFixed(2);

/** The targets, each stated as met, missed, or not measured. */
export function computeTargets(results: Results): Target[] {
  const targets: Target[] = [];
  const find = (id: string, route: Route): RatioRow | undefined =>
    results.ratios.find((row) => row.variant === id && row.route === route);
  const cloakroom = VARIANTS.filter((v) => v.kind === 'cloakroom');
  const byStore = (store: Variant['store']): Variant[] => cloakroom.filter((v) => v.store === store);
  const atLeast = (name: string, row: RatioRow | undefined, min: number, peer = false): void => {
    const value = peer ? row?.toPeer?.value : row?.toBare.value;
    targets.push({
      name,
      required: `≥ ${min}×`,
      measured: value === undefined ? 'not measured' : `${fmt(value)}×`,
      met: value === undefined ? null : value >= min,
    });
  };
  for (const v of cloakroom) atLeast(`${v.id} /none vs bare ${v.group}`, find(v.id, '/none'), 0.95);
  for (const v of byStore('memory')) {
    atLeast(`${v.id} /read vs bare ${v.group}`, find(v.id, '/read'), 0.7);
    atLeast(`${v.id} /write vs bare ${v.group}`, find(v.id, '/write'), 0.7);
  }
  const expressRedis = (route: Route): RatioRow | undefined => {
    const row = find('express-cloakroom-redis', route);
    const peer = rpsOf(results, 'express-session-redis', route);
    const ours = rpsOf(results, 'express-cloakroom-redis', route);
    if (!row || !peer || !ours) return undefined;
    return { ...row, peer: 'express-session-redis', toPeer: ratio(ours, peer) };
  };
  atLeast('express-cloakroom-redis /read vs express-session + connect-redis', expressRedis('/read'), 2, true);
  atLeast(
    'express-cloakroom-redis /write vs express-session + connect-redis',
    expressRedis('/write'),
    1.5,
    true,
  );
  for (const v of byStore('redis')) {
    atLeast(`${v.id} /read vs bare ${v.group}`, find(v.id, '/read'), 0.5);
    atLeast(`${v.id} /write vs bare ${v.group}`, find(v.id, '/write'), 0.35);
  }
  const redis = results.micro.redis;
  if (Array.isArray(redis)) {
    for (const row of redis) {
      targets.push({
        name: `Redis store ${row.operation} vs raw ioredis (${row.mode})`,
        required: '≥ 0.9×',
        measured: `${fmt(row.ratio)}×`,
        met: row.ratio >= 0.9,
      });
    }
  } else {
    targets.push({
      name: 'Redis store get/set vs raw ioredis',
      required: '≥ 0.9×',
      measured: 'not measured',
      met: null,
    });
  }
  return targets;
}

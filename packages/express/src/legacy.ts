/**
 * Carrying live express-session sessions over: the old `connect.sid` cookie is verified (never signed),
 * its record taken atomically from the old store (so an old cookie works at most once), and its data
 * written into a new Cloakroom session under a fresh id. Express-specific only in the cookie format
 * express-session wrote; the sources are plain store reads.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SessionError } from '@cloakroom/session-core';

/** What an old session store held for one session: express-session's JSON (its `cookie` included). */
export type LegacyRecord = Record<string, unknown>;

/**
 * Where the old sessions live. `take` removes the record of `sid` and answers it, atomically: of any
 * number of calls for one `sid`, at most one answers the record, so an old cookie never works twice.
 * It answers null when there is no record (or it expired), and rejects only when the store fails.
 */
export interface LegacySource {
  take(sid: string): Promise<LegacyRecord | null>;
}

/** Options of the `legacy` option: how to read what express-session wrote. */
export interface LegacyOptions {
  /** The old store, e.g. {@link redisLegacySource} or {@link pgLegacySource}. */
  source: LegacySource;
  /**
   * express-session's `secret`(s): every one verifies (none signs). Any length, as express-session
   * accepted; they are never used for Cloakroom's own cookie.
   */
  secrets: string | readonly string[];
  /** The old cookie's name. @default 'connect.sid' */
  name?: string;
  /** The old cookie's `Path`, to clear it with. @default '/' */
  path?: string;
  /** The old cookie's `Domain`, to clear it with. @default none */
  domain?: string;
  /**
   * The user the carried session belongs to (for the per-user index), from its data; for passport,
   * {@link passportUser}. @default none
   */
  user?: (data: Readonly<Record<string, unknown>>) => string | null | undefined;
}

/**
 * The session id an express-session cookie carries, if its signature verifies under one of `secrets`:
 * `s:` + id + `.` + base64 HMAC-SHA-256 of the id without padding. Anything else (unsigned, forged,
 * malformed) is null and never reaches a store.
 */
export function verifyLegacyCookie(value: string, secrets: readonly string[]): string | null {
  if (!value.startsWith('s:')) return null;
  const signed = value.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const sid = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  let found = false;
  for (const secret of secrets) {
    const expected = Buffer.from(
      createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, ''),
    );
    // Every secret is tried, so the time taken does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = true;
  }
  return found ? sid : null;
}

/**
 * The user passport stored in a session (`data.passport.user`) as a string, or null: the usual `user`
 * mapping of the compat and legacy options (a numeric id becomes its decimal string).
 * @example
 * session({ store, secret, user: passportUser, legacy: { source, secrets, user: passportUser } })
 */
export function passportUser(data: Readonly<Record<string, unknown>>): string | null {
  const passport = data.passport;
  const user =
    passport !== null && typeof passport === 'object' ? (passport as { user?: unknown }).user : undefined;
  if (typeof user === 'number' && Number.isFinite(user)) return String(user);
  return typeof user === 'string' && user.length > 0 ? user : null;
}

/** The part of an ioredis (`getdel`) or node-redis (`getDel`) client a {@link redisLegacySource} uses. */
export type LegacyRedisClient =
  | { getdel(key: string): Promise<string | null> }
  | { getDel(key: string): Promise<string | null> };

/** Options of {@link redisLegacySource}. */
export interface RedisLegacySourceOptions {
  /** An ioredis or node-redis client (Redis 6.2+ for GETDEL). Yours to close. */
  client: LegacyRedisClient;
  /** connect-redis's key prefix. @default 'sess:' */
  prefix?: string;
}

function parseRecord(json: unknown): LegacyRecord | null {
  try {
    const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as LegacyRecord)
      : null;
  } catch {
    return null;
  }
}

/**
 * connect-redis's sessions (JSON under `prefix` + id), each taken with one GETDEL: read and removed in
 * one atomic command.
 * @example
 * legacy: { source: redisLegacySource({ client: redis }), secrets: process.env.OLD_SECRET! }
 */
export function redisLegacySource(options: RedisLegacySourceOptions): LegacySource {
  const { client } = options;
  const prefix = options.prefix ?? 'sess:';
  const getdel = 'getdel' in client ? client.getdel.bind(client) : client.getDel.bind(client);
  return {
    async take(sid) {
      const raw = await getdel(prefix + sid);
      return raw === null ? null : parseRecord(raw);
    },
  };
}

/** The part of a Kysely instance a {@link pgLegacySource} uses (any `Kysely<DB>` is one). */
export interface LegacyKysely {
  getExecutor(): unknown;
}

/** Options of {@link pgLegacySource}. */
export interface PgLegacySourceOptions {
  /** A Kysely instance on the PostgreSQL database connect-pg-simple used. Yours to destroy. */
  db: LegacyKysely;
  /** connect-pg-simple's table (`schema.table` allowed). @default 'session' */
  table?: string;
}

/**
 * connect-pg-simple's sessions (table `session`: `sid`, `sess` json, `expire`), each taken with one
 * `DELETE … RETURNING`: read and removed in one atomic statement. Needs the `kysely` package.
 * @example
 * legacy: { source: pgLegacySource({ db }), secrets: process.env.OLD_SECRET! }
 */
export function pgLegacySource(options: PgLegacySourceOptions): LegacySource {
  const table = options.table ?? 'session';
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) {
    throw new SessionError(
      'SESSION_CONFIG',
      `@cloakroom/session-express: pgLegacySource table ${JSON.stringify(table)} is not a plain (schema.)table name.`,
    );
  }
  const db = options.db;
  return {
    async take(sid) {
      // Loaded on first use: kysely is an optional peer, needed only by apps that move off connect-pg-simple.
      const { sql } = await import('kysely');
      const result = await sql<{ sess: unknown; expire: Date | string }>`
        DELETE FROM ${sql.table(table)} WHERE sid = ${sid} RETURNING sess, expire`.execute(
        db as Parameters<ReturnType<typeof sql>['execute']>[0],
      );
      const row = result.rows[0];
      if (row === undefined || new Date(row.expire).getTime() <= Date.now()) return null;
      return parseRecord(row.sess);
    },
  };
}

/**
 * Core owns serialization: stores move the string a codec makes. The default is JSON, which can only
 * produce plain data (no code runs while decoding).
 */
export interface SessionCodec {
  /** Turns the session envelope into the string a store keeps. */
  encode(value: EncodedSession): string;
  /** Parses a stored string; core validates the shape of what comes back. May throw on bad input. */
  decode(text: string): unknown;
}

/** The envelope a codec encodes. Field names are short because they are stored once per session. */
export interface EncodedSession {
  /** Envelope version. */
  readonly v: 1;
  /** Created at, epoch milliseconds (the absolute timeout counts from here). */
  readonly c: number;
  /** Bound user id, or null. */
  readonly u: string | null;
  /** The application's data. */
  readonly d: Record<string, unknown>;
  /** Flash messages by key, read once. */
  readonly f?: Record<string, unknown[]>;
  /** CSRF token, once one was asked for. */
  readonly t?: string;
  /** The session's own lifetime, `[idle, absolute]` in seconds, when it has one (setLifetime). */
  readonly l?: readonly [idle: number, absolute: number];
}

/** The default codec: `JSON.stringify` and `JSON.parse`. */
export const jsonCodec: SessionCodec = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as unknown,
};

/**
 * The longest lifetime a session may be given, in seconds: 400 days, the most a browser keeps a cookie
 * (RFC 6265bis caps Max-Age and Expires there, and Chrome enforces it).
 */
export const MAX_LIFETIME_SECONDS: number = 400 * 86_400;

/** A session's own idle and absolute timeouts, in milliseconds (see Session.setLifetime). */
export interface Lifetime {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

/** Whether `[idle, absolute]` seconds is a lifetime a session may have; the shape setLifetime checks. */
export function isLifetime(idle: unknown, absolute: unknown): boolean {
  return (
    typeof idle === 'number' &&
    typeof absolute === 'number' &&
    Number.isFinite(idle) &&
    idle > 0 &&
    absolute >= idle &&
    absolute <= MAX_LIFETIME_SECONDS
  );
}

/** The decoded, validated form core works with. Maps keep stored keys away from prototypes. */
export interface SessionRecord {
  createdAt: number;
  userId: string | null;
  data: Map<string, unknown>;
  flash: Map<string, unknown[]>;
  csrf: string | null;
  /** The session's own lifetime, or null for the manager's timeouts. */
  lifetime: Lifetime | null;
}

export function newRecord(now: number): SessionRecord {
  return { createdAt: now, userId: null, data: new Map(), flash: new Map(), csrf: null, lifetime: null };
}

export function cloneRecord(record: SessionRecord): SessionRecord {
  return {
    createdAt: record.createdAt,
    userId: record.userId,
    data: new Map(record.data),
    flash: new Map(Array.from(record.flash, ([key, values]) => [key, values.slice()])),
    csrf: record.csrf,
    lifetime: record.lifetime,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Validates what a codec decoded. Returns `null` for anything that is not a well-formed envelope.
 * `Object.entries` reads own keys only, and Maps never consult a prototype, so a stored `__proto__`,
 * `constructor` or `save` key stays plain data.
 */
export function toRecord(value: unknown): SessionRecord | null {
  if (!isPlainObject(value) || value.v !== 1) return null;
  const { c, u, d, f, t, l } = value;
  if (typeof c !== 'number' || !Number.isFinite(c)) return null;
  if (u !== null && u !== undefined && typeof u !== 'string') return null;
  if (!isPlainObject(d)) return null;
  if (t !== undefined && typeof t !== 'string') return null;
  // Records written before lifetimes existed have no `l`: the manager's timeouts apply.
  let lifetime: Lifetime | null = null;
  if (l !== undefined) {
    if (!Array.isArray(l) || l.length !== 2 || !isLifetime(l[0], l[1])) return null;
    lifetime = { idleMs: (l[0] as number) * 1000, absoluteMs: (l[1] as number) * 1000 };
  }
  const flash = new Map<string, unknown[]>();
  if (f !== undefined) {
    if (!isPlainObject(f)) return null;
    for (const [key, values] of Object.entries(f)) {
      if (!Array.isArray(values)) return null;
      flash.set(key, values);
    }
  }
  return {
    createdAt: c,
    userId: u ?? null,
    data: new Map(Object.entries(d)),
    flash,
    csrf: t ?? null,
    lifetime,
  };
}

export function fromRecord(record: SessionRecord): EncodedSession {
  const encoded: { -readonly [K in keyof EncodedSession]: EncodedSession[K] } = {
    v: 1,
    c: record.createdAt,
    u: record.userId,
    d: Object.fromEntries(record.data),
  };
  if (record.flash.size > 0) encoded.f = Object.fromEntries(record.flash);
  if (record.csrf !== null) encoded.t = record.csrf;
  if (record.lifetime !== null)
    encoded.l = [record.lifetime.idleMs / 1000, record.lifetime.absoluteMs / 1000];
  return encoded;
}

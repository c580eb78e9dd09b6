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
}

/** The default codec: `JSON.stringify` and `JSON.parse`. */
export const jsonCodec: SessionCodec = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as unknown,
};

/** The decoded, validated form core works with. Maps keep stored keys away from prototypes. */
export interface SessionRecord {
  createdAt: number;
  userId: string | null;
  data: Map<string, unknown>;
  flash: Map<string, unknown[]>;
  csrf: string | null;
}

export function newRecord(now: number): SessionRecord {
  return { createdAt: now, userId: null, data: new Map(), flash: new Map(), csrf: null };
}

export function cloneRecord(record: SessionRecord): SessionRecord {
  return {
    createdAt: record.createdAt,
    userId: record.userId,
    data: new Map(record.data),
    flash: new Map(Array.from(record.flash, ([key, values]) => [key, values.slice()])),
    csrf: record.csrf,
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
  const { c, u, d, f, t } = value;
  if (typeof c !== 'number' || !Number.isFinite(c)) return null;
  if (u !== null && u !== undefined && typeof u !== 'string') return null;
  if (!isPlainObject(d)) return null;
  if (t !== undefined && typeof t !== 'string') return null;
  const flash = new Map<string, unknown[]>();
  if (f !== undefined) {
    if (!isPlainObject(f)) return null;
    for (const [key, values] of Object.entries(f)) {
      if (!Array.isArray(values)) return null;
      flash.set(key, values);
    }
  }
  return { createdAt: c, userId: u ?? null, data: new Map(Object.entries(d)), flash, csrf: t ?? null };
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
  return encoded;
}

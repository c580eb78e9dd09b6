/**
 * The legacy takeover itself (internal): options checked once, and a request's old session carried into
 * a new Cloakroom session. legacy.ts has the public part (options, sources, cookie verification).
 */
import type { ServerResponse } from 'node:http';
import { type Session, SessionError } from '@cloakroom/session-core';
import { type LegacyOptions, type LegacyRecord, type LegacySource, verifyLegacyCookie } from './legacy.ts';
import { MAX_LIFETIME_MS, setCookieLifetime, type Timeouts } from './lifetime.ts';

/** Session keys that would shadow a compat session's API or a prototype: dropped from old data. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'id',
  'cookie',
  'regenerate',
  'destroy',
  'save',
  'reload',
  'touch',
  'resetMaxAge',
  '__proto__',
  'constructor',
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ATTRIBUTE = /^[^;\r\n\0]*$/;

/** @internal Options checked once, when the middleware is built. */
export interface ResolvedLegacy {
  readonly source: LegacySource;
  readonly secrets: readonly string[];
  readonly name: string;
  readonly clear: string;
  readonly user: LegacyOptions['user'];
  /** The manager's timeouts: an old cookie with another lifetime keeps it. */
  readonly timeouts: Timeouts;
}

/** @internal Checks `options` (throws SESSION_CONFIG) and prepares the clearing cookie. */
export function resolveLegacy(options: LegacyOptions, timeouts: Timeouts): ResolvedLegacy {
  const fail = (message: string): never => {
    throw new SessionError('SESSION_CONFIG', `@cloakroom/session-express: legacy.${message}`);
  };
  if (typeof options.source?.take !== 'function') fail('source must have a take(sid) method.');
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : [...(options.secrets ?? [])];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    fail("secrets must be express-session's secret (a non-empty string) or a list of them.");
  }
  const name = options.name ?? 'connect.sid';
  if (!TOKEN.test(name)) fail(`name ${JSON.stringify(name)} is not a cookie name.`);
  const path = options.path ?? '/';
  if (!ATTRIBUTE.test(path) || (options.domain !== undefined && !ATTRIBUTE.test(options.domain))) {
    fail('path and domain must not contain ";", CR, LF or NUL.');
  }
  // Cleared with the Path and Domain it was set with, or the browser keeps it.
  let clear = `${name}=; Path=${path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  if (options.domain !== undefined) clear += `; Domain=${options.domain}`;
  return { source: options.source, secrets, name, clear: `${clear}; HttpOnly`, user: options.user, timeouts };
}

/** The first value of cookie `name` in `header`, URL-decoded as express-session's parser did. */
function cookieValue(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

/** @internal Whether the request carries the old cookie at all (a cheap test before any work). */
export function hasLegacyCookie(header: string | undefined, legacy: ResolvedLegacy): boolean {
  return header?.includes(`${legacy.name}=`) === true;
}

/** Whether an express-session record is past its cookie's `expires`. */
function expired(record: LegacyRecord, now: number): boolean {
  const cookie = record.cookie as { expires?: unknown } | null | undefined;
  if (cookie === null || typeof cookie !== 'object' || cookie.expires == null) return false;
  const at = new Date(cookie.expires as string).getTime();
  return Number.isFinite(at) && at <= now;
}

/**
 * @internal Carries the request's old session into `session` (a request without a stored Cloakroom
 * session): takes the old record, copies its data (reserved keys dropped), binds the user, saves, and
 * clears the old cookie. Answers whether a session was carried. Store failures reject.
 */
export async function carryLegacy(
  session: Session,
  header: string,
  res: Pick<ServerResponse, 'appendHeader'>,
  legacy: ResolvedLegacy,
): Promise<boolean> {
  const value = cookieValue(header, legacy.name);
  if (value === null) return false;
  const sid = verifyLegacyCookie(value, legacy.secrets);
  if (sid === null) return false;
  const record = await legacy.source.take(sid);
  // A verified old cookie is spent either way: its record is gone now (or was already).
  res.appendHeader('Set-Cookie', legacy.clear);
  if (record === null || typeof record !== 'object' || expired(record, Date.now())) return false;
  const data: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (RESERVED_KEYS.has(key) || item === undefined) continue;
    Object.defineProperty(data, key, { value: item, enumerable: true, writable: true, configurable: true });
    session.set(key, item);
  }
  const user = legacy.user?.(data);
  if (typeof user === 'string' && user.length > 0) session.setUser(user);
  // A "remember me" cookie keeps its lifetime (one of the options' length needs nothing of its own).
  const maxAge = (record.cookie as { originalMaxAge?: unknown } | null | undefined)?.originalMaxAge;
  if (
    typeof maxAge === 'number' &&
    maxAge >= 1000 &&
    maxAge <= MAX_LIFETIME_MS &&
    Math.ceil(maxAge / 1000) !== legacy.timeouts.idleTimeout
  ) {
    setCookieLifetime(session, maxAge, legacy.timeouts);
  }
  // Saved now, not with the response: the old record is gone, so the new one must exist whatever the
  // handler answers (a 5xx saves nothing).
  await session.save();
  return true;
}

/**
 * express-session's per-cookie `maxAge` (milliseconds) as core's per-session lifetime (seconds): used
 * when `req.session.cookie.maxAge` is assigned (compat) and when a carried-over session had its own.
 */
import type { Session } from '@cloakroom/session-core';

/** The manager's timeouts, in seconds. */
export interface Timeouts {
  readonly idleTimeout: number;
  readonly absoluteTimeout: number;
}

/** Core's per-session lifetime, on the sessions core hands out (not yet on its `Session` type). */
interface LifetimeControl {
  setLifetime(lifetime: Timeouts | null): void;
  getLifetime(): Promise<Timeouts>;
}

/** Browsers keep no cookie longer than 400 days (RFC 6265bis); core refuses longer lifetimes. */
export const MAX_LIFETIME_MS: number = 400 * 86_400_000;

/** The timeouts `options` give a manager, with core's defaults. */
export function timeoutsOf(options: Partial<Timeouts> | null): Timeouts {
  return {
    idleTimeout: options?.idleTimeout ?? 86_400,
    absoluteTimeout: options?.absoluteTimeout ?? 604_800,
  };
}

/**
 * Gives `session` a lifetime of its own for a cookie of `maxAgeMs`: an idle window of that length and an
 * absolute window of the longer of it and the manager's (at most 400 days); null goes back to the
 * manager's. The store's expiry and the cookie's Max-Age follow at the next save.
 */
export function setCookieLifetime(session: Session, maxAgeMs: number | null, timeouts: Timeouts): void {
  const control = session as Session & Partial<LifetimeControl>;
  if (typeof control.setLifetime !== 'function') return;
  if (maxAgeMs === null) {
    control.setLifetime(null);
    return;
  }
  const idleTimeout = Math.ceil(maxAgeMs / 1000);
  control.setLifetime({
    idleTimeout,
    absoluteTimeout: Math.min(Math.max(idleTimeout, timeouts.absoluteTimeout), MAX_LIFETIME_MS / 1000),
  });
}

/** The idle window of `session`'s own lifetime in ms, or null when it has the manager's. */
export async function ownIdleMs(session: Session, timeouts: Timeouts): Promise<number | null> {
  const control = session as Session & Partial<LifetimeControl>;
  if (typeof control.getLifetime !== 'function') return null;
  const { idleTimeout } = await control.getLifetime();
  return idleTimeout === timeouts.idleTimeout ? null : idleTimeout * 1000;
}

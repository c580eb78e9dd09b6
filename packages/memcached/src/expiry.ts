/**
 * Memcached reads an expiration time up to 30 days as seconds from now, and anything larger as an
 * absolute Unix timestamp (protocol.txt, "Expiration times"). Zero means "never expires".
 */
export const RELATIVE_LIMIT_SECONDS: number = 60 * 60 * 24 * 30;

/**
 * The `exptime` to send for a record that expires at `expiresAt` (epoch ms), seen at `now`.
 * - Already expired: `-1`, which memcached treats as expired at once (never `0`, which means forever).
 * - Up to 30 days away: whole seconds from now, rounded up so a record never dies before its expiry
 *   by our rounding.
 * - Further away: the absolute Unix time in seconds, rounded up, which memcached compares with its own
 *   clock (so the server's clock must be right, as for any memcached client that stores long TTLs).
 */
export function exptime(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  if (!(remaining > 0)) return -1;
  const seconds = Math.ceil(remaining / 1000);
  return seconds <= RELATIVE_LIMIT_SECONDS ? seconds : Math.ceil(expiresAt / 1000);
}

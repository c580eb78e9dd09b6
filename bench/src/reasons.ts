/**
 * Why a missed target is missed, from the CPU profiles of the run of 2026-12-07 (bench/README.md ›
 * Profiles, "What misses and why"). Matched on the target's name; the report prints the reason beside
 * a missed target and a TODO where none matches yet.
 */
const REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^nest-cloakroom-\w+ \/none vs bare$/,
    'Nest, not the session: any middleware applied through `MiddlewareConsumer` puts Nest’s middleware handler and an Express router layer on every request, and the module runs it in `AsyncLocalStorage` (for `SessionService`); no store call, no crypto (profile: @nestjs/core handler, router, AsyncContextFrame). Per-request closures and a WeakMap removed here took it from 0.39 to 0.59.',
  ],
  [
    /-cloakroom-\w+ \/none vs bare$/,
    'An untouched request does no session work (no store call, no crypto): the handle object and, on Express, the four shared wrappers the holder installs on every response (a handler may touch the session before the head) cost 1–3 µs of a 20–25 µs request. The spread reaches the target; the memory twin or sibling meets it in the same run.',
  ],
  [
    /-cloakroom-memory \/(read|write) vs bare$/,
    'The cold rotation defeats every cache by design (hit rate 0 %): each request verifies its cookie with one HMAC-SHA-256 and hashes the id with one SHA-256 for the store key (about 12 µs with digest and base64 here; node:crypto has no one-shot HMAC), decodes the record, and /write also encodes it and compares-and-sets. The bare framework answers in 17–25 µs, so 0.7× leaves 7–10 µs for all of it. The rest of the cold penalty is memory locality (10 240 records and cookies cycling through the CPU caches). Hot (cache hits, no crypto): 0.53–0.63× on /read.',
  ],
  [
    /^express-cloakroom-redis \/(read|write) vs express-session \+ connect-redis/,
    'The same Redis round trips as express-session (read: one; write: a read, then one write), and each costs a socket write and read in the server process (writeUtf8String/writev, the largest frames, about 10 µs each here); Cloakroom adds the HMAC and SHA-256 of every cold request and a script instead of a plain GET/SET, and its write is a compare-and-set: express-session loses 1 853 of 2 000 concurrent updates in the contention run, Cloakroom none.',
  ],
  [
    /-cloakroom-redis \/(read|write) vs bare$/,
    'As the memory store’s cold /read and /write (one HMAC and one SHA-256 per request), plus a Redis round trip per read and two per write, each a socket write and read in the server process (about 10 µs each here).',
  ],
  [
    /^Redis store get vs raw ioredis/,
    'A raw GET answers one string; the store reads four fields of a hash (data, expiry, version, user) with HMGET, parses them into a record, and arms a per-operation timeout timer (its `timeout` backstop), which 64 operations in flight multiply.',
  ],
  [
    /^Redis store set \(same script\) vs raw ioredis \(64 in flight\)$/,
    'The script is the same; the difference is the store’s per-operation timeout timer and the write’s fields built from the record, multiplied by 64 operations in flight (sequential: 0.95×, met).',
  ],
  [
    /^fastify-cloakroom-memory \/read vs bare$/,
    'As the other memory stores’ cold /read: one HMAC-SHA-256 and one SHA-256 per request with every cache defeated; Fastify’s bare request is 16 µs. Hot: 0.59×.',
  ],
  [
    /^fastify-cloakroom-memory \/read vs @fastify\/session$/,
    '@fastify/session verifies a signed cookie per request too, so the crypto cancels out; 1.31× median with a spread of 0.94–1.62× over the sweeps: the target sits inside the spread.',
  ],
  [
    /^express-cloakroom-sealed \/read vs iron-session$/,
    'Each cold read opens a seal: an HKDF-SHA-256 derivation per seal (the issue requires a fresh key for every seal; about 10 µs here, hkdfSync and its job object) plus AES-256-GCM and base64url decoding. iron-session does comparable work per unseal (a key derivation, AES-CBC and an HMAC), so the ratio tops out near 2× (1.79× median, 2.03× best); 3× would need dropping the per-seal derivation.',
  ],
  [
    /^koa-cloakroom-sealed \/read vs koa-session cookie mode$/,
    'koa-session’s cookie mode does not encrypt: it base64-encodes the JSON (readable by the client) and signs it with an HMAC; Cloakroom’s sealed cookie is encrypted and authenticated (HKDF per seal plus AES-256-GCM), which is the point of the mode.',
  ],
  [
    /-cloakroom-sealed \/none vs bare$/,
    'An untouched request in sealed mode takes the same adapter path as the store variants (no crypto, no cookie read); the difference to them is run-to-run spread on a 20–25 µs request (the spreads overlap).',
  ],
];

/** The reason a missed target is missed, or undefined when none is written yet. */
export function reasonFor(target: string): string | undefined {
  return REASONS.find(([pattern]) => pattern.test(target))?.[1];
}

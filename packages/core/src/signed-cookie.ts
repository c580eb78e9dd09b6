/**
 * Cookie identity: reading one of our signed cookies (`<43 chars>.<43 chars>`) from a `Cookie` header,
 * with cookie tossing detected, and the bounded cache of values that verified before.
 */
import { cookieValues } from './cookie.ts';
import type { CryptoProvider, SigningKey } from './crypto.ts';

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
/** Values of our cookie name looked at per request: enough for a tossed duplicate, bounded against floods. */
export const MAX_COOKIE_CANDIDATES = 4;

/** What {@link readSignedCookie} found. */
export type SignedCookie =
  /** No value of that name in the header. */
  | { readonly present: false }
  /** Values were there: the one that verified (`reissue`: under an older key), or why none is trusted. */
  | {
      readonly present: true;
      readonly found: { readonly value: string; readonly reissue: boolean } | null;
      /** Several values verified to different ones, or more values than a browser sends: planted. */
      readonly tossing: 'different values' | 'too many' | null;
    };

/**
 * Reads one of our signed cookies (`<43 chars>.<43 chars>`) from a `Cookie` header: the value whose
 * signature verifies under one of `keys`, as long as no other one does (a sibling subdomain can plant
 * a cookie of our name: when two verify to different values, trust neither).
 */
export async function readSignedCookie(
  header: string,
  name: string,
  crypto: CryptoProvider,
  keys: () => Promise<readonly SigningKey[]>,
  message: (value: string) => string,
): Promise<SignedCookie> {
  const values = header === '' ? [] : cookieValues(header, name, MAX_COOKIE_CANDIDATES + 1);
  if (values.length === 0) return { present: false };
  // More values of our name than any browser sends for one site: padding meant to push a cookie out of view.
  if (values.length > MAX_COOKIE_CANDIDATES) return { present: true, found: null, tossing: 'too many' };
  const verifying = await keys();
  let found: { value: string; reissue: boolean } | null = null;
  for (const candidate of values) {
    // Shape first: anything malformed, truncated or padded never reaches crypto or the store.
    if (!COOKIE_VALUE.test(candidate)) continue;
    const value = candidate.slice(0, 43);
    if (found !== null && found.value === value) continue;
    const signature = candidate.slice(44);
    for (let index = 0; index < verifying.length; index++) {
      if (await crypto.verify(verifying[index]!, message(value), signature)) {
        if (found !== null) return { present: true, found: null, tossing: 'different values' };
        found = { value, reissue: index > 0 };
        break;
      }
    }
  }
  return { present: true, found, tossing: null };
}

/**
 * Cookie values that verified, least recently used first out, with what they verified to. Only values
 * whose signature verified go in, and a hit needs the exact value, so a forged one never hits.
 */
export class VerifiedCookies<Identity> {
  readonly #entries = new Map<string, Identity>();
  readonly #max: number;
  #hits = 0;
  #misses = 0;

  /** @param max - entries kept; `0` keeps none. */
  constructor(max: number) {
    this.#max = max;
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }

  /** What `value` verified to earlier (moved to the recent end), or undefined. */
  get(value: string): Identity | undefined {
    if (this.#max === 0) return undefined;
    const identity = this.#entries.get(value);
    if (identity === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(value);
    this.#entries.set(value, identity);
    return identity;
  }

  /** Remembers a value; call it only after its signature verified. */
  remember(value: string, identity: Identity): void {
    if (this.#max === 0) return;
    this.#entries.set(value, identity);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/**
 * Sealed cookies, the crypto half: a value sealed into a cookie with AES-256-GCM under a key derived per
 * seal (HKDF-SHA-256 over the secret and a random salt carried in the cookie), bound to the cookie name
 * and a purpose, under a version prefix. sealed-session.ts keeps a session in such a cookie.
 *
 * Cookie value: `c1.` then base64url of `salt (32) ‖ ciphertext ‖ GCM tag (16)`.
 */
import {
  type CryptoProvider,
  fromBase64Url,
  SEAL_SALT_BYTES,
  SEAL_TAG_BYTES,
  toBase64Url,
  webCryptoProvider,
} from './crypto.ts';
import { configError, SessionError } from './errors.ts';

/** Version prefix of a sealed cookie value; a future format gets its own. */
export const SEALED_PREFIX = 'c1.';
/** The purpose a session cookie is sealed for: HKDF info and part of the authenticated data. */
export const SEALED_SESSION_PURPOSE = 'cloakroom/sealed-session/v1';
/**
 * Largest `name=value` of a sealed cookie, attributes excluded: the 4096 bytes RFC 6265 (section 6.1)
 * asks browsers to keep at least, and what they keep at most in practice.
 */
export const MAX_SEALED_COOKIE_BYTES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Characters of base64url without padding for `bytes` bytes. */
function base64Length(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** Options of a {@link CookieSealer}. */
export interface CookieSealerOptions {
  /** Secrets as bytes, each at least 32: the first seals, all open (rotation). */
  readonly secrets: readonly Uint8Array[];
  /** The cookie's name, bound into the authenticated data: a value never opens under another name. */
  readonly cookieName: string;
  readonly crypto: CryptoProvider;
  /** What the cookie is for, bound into the key and the authenticated data. @default SEALED_SESSION_PURPOSE */
  readonly purpose?: string;
  /** Largest `name=value` in bytes. @default MAX_SEALED_COOKIE_BYTES */
  readonly maxBytes?: number;
}

/** What {@link CookieSealer.open} found in a value that authenticated. */
export interface Unsealed {
  readonly plaintext: string;
  /** Opened under an older secret: seal it again under the first. */
  readonly reissue: boolean;
}

/** Seals and opens the values of one cookie name for one purpose. */
export class CookieSealer {
  readonly #secrets: readonly Uint8Array[];
  readonly #purpose: string;
  readonly #aad: Uint8Array;
  readonly #nameBytes: number;
  readonly #maxBytes: number;
  readonly #seal: NonNullable<CryptoProvider['sealBytes']>;
  readonly #open: NonNullable<CryptoProvider['openBytes']>;

  constructor(options: CookieSealerOptions) {
    this.#secrets = options.secrets;
    this.#purpose = options.purpose ?? SEALED_SESSION_PURPOSE;
    // The version, purpose and cookie name are authenticated with every value (never encrypted: known).
    this.#aad = encoder.encode(`${SEALED_PREFIX}|${this.#purpose}|${options.cookieName}`);
    this.#nameBytes = encoder.encode(options.cookieName).length;
    this.#maxBytes = options.maxBytes ?? MAX_SEALED_COOKIE_BYTES;
    // A provider written before sealed cookies lacks these: Web Crypto does them on every runtime.
    const provider =
      options.crypto.sealBytes && options.crypto.openBytes ? options.crypto : webCryptoProvider;
    this.#seal = provider.sealBytes!.bind(provider);
    this.#open = provider.openBytes!.bind(provider);
  }

  /** Bytes of `name=value` for a plaintext of `plaintextBytes` bytes. */
  cookieBytes(plaintextBytes: number): number {
    return (
      this.#nameBytes +
      1 +
      SEALED_PREFIX.length +
      base64Length(SEAL_SALT_BYTES + plaintextBytes + SEAL_TAG_BYTES)
    );
  }

  /**
   * Seals `plaintext` under the first secret with a fresh salt (so a fresh key).
   * @throws SessionError SESSION_PAYLOAD_TOO_LARGE (413) when `name=value` would exceed the limit: the
   * cookie is refused before any crypto, never truncated.
   */
  async seal(plaintext: string): Promise<string> {
    const bytes = encoder.encode(plaintext);
    const size = this.cookieBytes(bytes.length);
    if (size > this.#maxBytes) {
      throw new SessionError(
        'SESSION_PAYLOAD_TOO_LARGE',
        `The sealed session cookie would be ${size} bytes (name=value), over the ${this.#maxBytes} bytes ` +
          'a browser keeps: store less in the session, or use a store.',
        { status: 413 },
      );
    }
    const sealed = await this.#seal(this.#secrets[0]!, this.#purpose, bytes, this.#aad);
    return SEALED_PREFIX + toBase64Url(sealed);
  }

  /**
   * Opens a cookie value: tries each secret, the first one first.
   * @returns what it holds, or `null` for anything that does not authenticate (tampered, truncated,
   * padded, another name or purpose, a secret no longer listed, not UTF-8).
   */
  async open(value: string): Promise<Unsealed | null> {
    // Shape first: a value no seal can make never reaches the crypto.
    if (!value.startsWith(SEALED_PREFIX) || this.#nameBytes + 1 + value.length > this.#maxBytes) return null;
    const bytes = fromBase64Url(value.slice(SEALED_PREFIX.length));
    if (bytes === null || bytes.length < SEAL_SALT_BYTES + SEAL_TAG_BYTES) return null;
    for (let index = 0; index < this.#secrets.length; index++) {
      const opened = await this.#open(this.#secrets[index]!, this.#purpose, bytes, this.#aad);
      if (opened === null) continue;
      try {
        return { plaintext: decoder.decode(opened), reissue: index > 0 };
      } catch {
        return null;
      }
    }
    return null;
  }
}

/**
 * SHA-256 (hex) of secrets published in this repository: fallbacks of the demos, examples, benchmarks and
 * READMEs, which anyone can read and so forge sealed sessions with. The secrets themselves are not kept
 * here, so this list never becomes one more place to copy them from.
 */
const PUBLISHED_SECRET_HASHES: ReadonlySet<string> = new Set([
  // apps/demo-kit: the development fallback behind DEMO_INSECURE_DEV_SECRET=1
  'b286e96663ef52c4fb83b577540792c8aa76f04bb842ff630608d47ca46e688b',
  // packages/express and packages/nest READMEs: the `?? '...'` development fallback
  'ce1b7ddd9a4eeb6b8e2ac9264428c69b9f0506635ffb5daaaf0bbf0d975390e4',
  // examples/basic: the development fallback
  '36620796abfc961346babb2e52970263066bf2764c43c11bbf63a42faeca14d7',
  // bench: the fallback when BENCH_SECRET is unset
  'b10f59137a348d3f580687d99cd0d0b721cf37f24d44d5afa915f26f71925d74',
  // apps/next-demo: the build-time placeholder
  'f376871a4dad59c38e02df2abb2c1648b7f39467ad736dc1a7a4c90e1e9873b2',
  // type tests and config examples a reader may copy
  '36ead871b1decaae7ad9e18acee5095e626220b450a4f1810867f4883b5fb64e',
  '6db711a19144a47f819c433c14ad18f91366f5301943a9d219c2373713612af3',
]);

/**
 * Refuses a secret published in this repository: with a sealed cookie the secret is all that stands
 * between anyone and a forged session of their choosing.
 * @throws SessionError SESSION_CONFIG
 */
export function refusePublishedSecrets(secrets: readonly Uint8Array[]): void {
  secrets.forEach((secret, index) => {
    if (PUBLISHED_SECRET_HASHES.has(sha256Hex(secret))) {
      throw configError(
        `options.secret[${index}] is published in the Cloakroom repository (a demo, example or README ` +
          'fallback); sealed cookies need a secret of your own, e.g. `openssl rand -base64 32`.',
      );
    }
  });
}

// A small synchronous SHA-256 (FIPS 180-4), for the start-up check above: Web Crypto's digest is
// asynchronous, and bad configuration must fail when the manager is built, not on a later request.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** SHA-256 of bytes, lower-case hex. Exported for its test. */
export function sha256Hex(message: Uint8Array): string {
  const length = message.length;
  const padded = new Uint8Array((((length + 8) >> 6) + 1) << 6);
  padded.set(message);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15]!, 7) ^ rotr(w[i - 15]!, 18) ^ (w[i - 15]! >>> 3);
      const s1 = rotr(w[i - 2]!, 17) ^ rotr(w[i - 2]!, 19) ^ (w[i - 2]! >>> 10);
      w[i] = w[i - 16]! + s0 + w[i - 7]! + s1;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const worked = [a, b, c, d, e, f, g, hh];
    // A Uint32Array keeps each sum modulo 2^32.
    for (let i = 0; i < 8; i++) h[i] = h[i]! + worked[i]!;
  }
  return Array.from(h, (word) => word.toString(16).padStart(8, '0')).join('');
}

/**
 * The crypto provider: every hash, signature and random byte core needs. The default uses Web Crypto so
 * core runs on any runtime; on Node the `node` export condition swaps in `node:crypto`
 * (see `crypto-node.ts`), which is synchronous and several times cheaper per request.
 */
export interface CryptoProvider {
  /** `length` bytes from the platform CSPRNG, base64url without padding. */
  randomToken(length: number): string;
  /** SHA-256 of a UTF-8 string, base64url without padding. */
  sha256(text: string): string | Promise<string>;
  /** Derives an HMAC-SHA-256 key for one purpose from a secret (HKDF-SHA-256, RFC 5869). */
  deriveKey(secret: Uint8Array, purpose: string): Promise<SigningKey>;
  /** HMAC-SHA-256 of a UTF-8 string, base64url without padding. */
  sign(key: SigningKey, message: string): string | Promise<string>;
  /** Checks an HMAC in constant time. */
  verify(key: SigningKey, message: string, signature: string): boolean | Promise<boolean>;
  /**
   * Seals bytes for a sealed cookie: a fresh random 32-byte salt; a 256-bit AES key and a 96-bit nonce
   * derived from `secret`, that salt and `purpose` (HKDF-SHA-256, RFC 5869), so no key seals twice; then
   * AES-256-GCM over `plaintext` with `aad` authenticated beside it.
   * Optional, so a provider written before sealed cookies still works: core falls back to Web Crypto.
   * @returns `salt (32 bytes) ‖ ciphertext ‖ tag (16 bytes)`
   */
  sealBytes?(
    secret: Uint8Array,
    purpose: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | Promise<Uint8Array>;
  /**
   * Opens what {@link CryptoProvider.sealBytes} made with the same secret, purpose and `aad`.
   * @returns the plaintext, or `null` when it does not authenticate (tampered, truncated, another key)
   */
  openBytes?(
    secret: Uint8Array,
    purpose: string,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null | Promise<Uint8Array | null>;
}

/** Bytes of the random HKDF salt that starts a sealed value. */
export const SEAL_SALT_BYTES = 32;
/** Bytes of the AES-GCM tag that ends a sealed value. */
export const SEAL_TAG_BYTES = 16;
/** HKDF output per seal: a 32-byte AES-256 key, then a 12-byte GCM nonce. */
export const SEAL_KEY_BYTES = 32;
export const SEAL_NONCE_BYTES = 12;

/** A derived key; its shape belongs to the provider that made it. */
export interface SigningKey {
  readonly provider: string;
}

const encoder = new TextEncoder();
const HKDF_SALT = encoder.encode('cloakroom/v1');

/** The base64url alphabet (RFC 4648, section 5). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding, for runtimes without `Uint8Array.prototype.toBase64`. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Value of each base64url character by char code; -1 for any other character. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DECODE[code]! : -1;
}

/**
 * Decodes base64url without padding; `null` when the text is not canonical base64url (a character
 * outside the alphabet, a length no encoding has, or stray low bits in the last character, so one value
 * has exactly one spelling). One pass, no intermediate string: sealed cookies decode a few hundred
 * characters on every request.
 */
export function fromBase64Url(text: string): Uint8Array | null {
  const length = text.length;
  const rest = length % 4;
  if (rest === 1) return null;
  const bytes = new Uint8Array(((length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let out = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const word = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = word >> 16;
    bytes[out++] = (word >> 8) & 0xff;
    bytes[out++] = word & 0xff;
  }
  if (rest === 2) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    if ((a | b) < 0 || (b & 0x0f) !== 0) return null;
    bytes[out] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    if ((a | b | c) < 0 || (c & 0x03) !== 0) return null;
    bytes[out++] = (a << 2) | (b >> 4);
    bytes[out] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return bytes;
}

/** HKDF key material per secret, imported once (the manager keeps the same arrays for its life). */
const hkdfMaterial = new WeakMap<Uint8Array, Promise<CryptoKey>>();

async function sealingKey(
  secret: Uint8Array,
  salt: Uint8Array,
  purpose: string,
  usage: 'encrypt' | 'decrypt',
): Promise<{ key: CryptoKey; nonce: Uint8Array }> {
  let material = hkdfMaterial.get(secret);
  if (material === undefined) {
    material = crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']);
    hkdfMaterial.set(secret, material);
  }
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: encoder.encode(purpose) },
      await material,
      (SEAL_KEY_BYTES + SEAL_NONCE_BYTES) * 8,
    ),
  );
  const key = await crypto.subtle.importKey('raw', bits.subarray(0, SEAL_KEY_BYTES), 'AES-GCM', false, [
    usage,
  ]);
  return { key, nonce: bits.subarray(SEAL_KEY_BYTES) };
}

interface WebKey extends SigningKey {
  readonly provider: 'web';
  readonly key: CryptoKey;
}

/** The Web Crypto provider: works on Node, Bun, Deno, workerd and browsers. */
export const webCryptoProvider: CryptoProvider = {
  randomToken(length) {
    return toBase64Url(crypto.getRandomValues(new Uint8Array(length)));
  },
  async sha256(text) {
    return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
  },
  async deriveKey(secret, purpose) {
    const material = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, [
      'deriveKey',
    ]);
    const key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: encoder.encode(purpose) },
      material,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign', 'verify'],
    );
    const result: WebKey = { provider: 'web', key };
    return result;
  },
  async sign(key, message) {
    const signature = await crypto.subtle.sign('HMAC', (key as WebKey).key, encoder.encode(message));
    return toBase64Url(new Uint8Array(signature));
  },
  async verify(key, message, signature) {
    const bytes = fromBase64Url(signature);
    if (bytes === null || bytes.length !== 32) return false;
    // subtle.verify compares in constant time.
    return crypto.subtle.verify('HMAC', (key as WebKey).key, bytes as BufferSource, encoder.encode(message));
  },
  async sealBytes(secret, purpose, plaintext, aad) {
    const salt = crypto.getRandomValues(new Uint8Array(SEAL_SALT_BYTES));
    const { key, nonce } = await sealingKey(secret, salt, purpose, 'encrypt');
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
        key,
        plaintext as BufferSource,
      ),
    );
    const result = new Uint8Array(SEAL_SALT_BYTES + sealed.length);
    result.set(salt);
    result.set(sealed, SEAL_SALT_BYTES);
    return result;
  },
  async openBytes(secret, purpose, sealed, aad) {
    if (sealed.length < SEAL_SALT_BYTES + SEAL_TAG_BYTES) return null;
    const { key, nonce } = await sealingKey(secret, sealed.subarray(0, SEAL_SALT_BYTES), purpose, 'decrypt');
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
          key,
          sealed.subarray(SEAL_SALT_BYTES) as BufferSource,
        ),
      );
    } catch {
      // The tag did not authenticate: tampered, truncated, or sealed under another secret, purpose or name.
      return null;
    }
  },
};

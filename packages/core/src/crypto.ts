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
}

/** A derived key; its shape belongs to the provider that made it. */
export interface SigningKey {
  readonly provider: string;
}

const encoder = new TextEncoder();
const HKDF_SALT = encoder.encode('cloakroom/v1');

/** base64url without padding, for runtimes without `Uint8Array.prototype.toBase64`. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url without padding; `null` when the text is not canonical base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Reject non-canonical encodings (stray low bits), so one signature has exactly one spelling.
  return toBase64Url(bytes) === text ? bytes : null;
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
};

// The only file allowed a `node:` import: the fast path behind the `node` export condition.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hash,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import {
  type CryptoProvider,
  SEAL_KEY_BYTES,
  SEAL_NONCE_BYTES,
  SEAL_SALT_BYTES,
  SEAL_TAG_BYTES,
  type SigningKey,
} from './crypto.ts';

interface NodeKey extends SigningKey {
  readonly provider: 'node';
  /** A KeyObject made once: Node would otherwise convert a raw key on every HMAC (measured 4x slower). */
  readonly key: KeyObject;
}

const HKDF_SALT = 'cloakroom/v1';

/** The `node:crypto` provider: synchronous HMAC and SHA-256, same outputs as the Web Crypto provider. */
export const nodeCryptoProvider: CryptoProvider = {
  randomToken(length) {
    return randomBytes(length).toString('base64url');
  },
  sha256(text) {
    // One-shot: no Hash object per call (Node 21.7+, within the package's engines).
    return hash('sha256', text, 'base64url');
  },
  async deriveKey(secret, purpose) {
    const key = createSecretKey(Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, purpose, 32)));
    const result: NodeKey = { provider: 'node', key };
    return result;
  },
  sign(key, message) {
    return createHmac('sha256', (key as NodeKey).key)
      .update(message, 'utf8')
      .digest('base64url');
  },
  verify(key, message, signature) {
    if (signature.length !== 43) return false;
    // Compared as the canonical base64url text, in constant time: a non-canonical spelling of the right
    // bytes never matches, and nothing is decoded.
    const expected = Buffer.from(
      createHmac('sha256', (key as NodeKey).key)
        .update(message, 'utf8')
        .digest('base64url'),
      'latin1',
    );
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(expected, given);
  },
  sealBytes(secret, purpose, plaintext, aad) {
    const salt = randomBytes(SEAL_SALT_BYTES);
    const derived = Buffer.from(hkdfSync('sha256', secret, salt, purpose, SEAL_KEY_BYTES + SEAL_NONCE_BYTES));
    const cipher = createCipheriv(
      'aes-256-gcm',
      derived.subarray(0, SEAL_KEY_BYTES),
      derived.subarray(SEAL_KEY_BYTES),
      {
        authTagLength: SEAL_TAG_BYTES,
      },
    );
    cipher.setAAD(aad);
    return Buffer.concat([salt, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  },
  openBytes(secret, purpose, sealed, aad) {
    if (sealed.length < SEAL_SALT_BYTES + SEAL_TAG_BYTES) return null;
    const salt = sealed.subarray(0, SEAL_SALT_BYTES);
    const derived = Buffer.from(hkdfSync('sha256', secret, salt, purpose, SEAL_KEY_BYTES + SEAL_NONCE_BYTES));
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derived.subarray(0, SEAL_KEY_BYTES),
      derived.subarray(SEAL_KEY_BYTES),
      { authTagLength: SEAL_TAG_BYTES },
    );
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - SEAL_TAG_BYTES));
    try {
      const opened = decipher.update(sealed.subarray(SEAL_SALT_BYTES, sealed.length - SEAL_TAG_BYTES));
      return Buffer.concat([opened, decipher.final()]);
    } catch {
      // The tag did not authenticate: tampered, truncated, or sealed under another secret, purpose or name.
      return null;
    }
  },
};

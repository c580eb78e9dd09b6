import { webCryptoProvider } from './crypto.ts';
import { SessionManager } from './manager.ts';
import type { SessionData, SessionManagerOptions } from './session.ts';

/**
 * Builds the session manager an adapter uses. Throws at once on bad options, saying what to change.
 * @throws SessionError SESSION_CONFIG
 * @example
 * const sessions = createSessionManager<{ cart: string[] }>({ store: memoryStore(), secret: process.env.SESSION_SECRET! });
 */
export function createSessionManager<Data extends SessionData = SessionData>(
  options: SessionManagerOptions,
): SessionManager<Data> {
  return new SessionManager<Data>(options, webCryptoProvider);
}

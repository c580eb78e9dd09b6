import { nodeCryptoProvider } from './crypto-node.ts';
import { SessionManager } from './manager.ts';
import type { SessionData, SessionManagerOptions } from './session.ts';

/**
 * Builds the session manager an adapter uses, on `node:crypto` (the `node` export condition).
 * @throws SessionError SESSION_CONFIG
 * @example
 * const sessions = createSessionManager({ store: memoryStore(), secret: process.env.SESSION_SECRET! });
 */
export function createSessionManager<Data extends SessionData = SessionData>(
  options: SessionManagerOptions,
): SessionManager<Data> {
  return new SessionManager<Data>(options, nodeCryptoProvider);
}

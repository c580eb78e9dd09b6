export type { AppSession, AppSessionData, SessionDataOf } from './app-session.ts';
export { applyToFetchHeaders, applyToNodeResponse, hasHeaders, type NodeHeaderTarget } from './apply.ts';
export { type EncodedSession, jsonCodec, type SessionCodec } from './codec.ts';
export type { CookieOptions } from './cookie.ts';
export { type CryptoProvider, type SigningKey, webCryptoProvider } from './crypto.ts';
export {
  type CsrfOptions,
  type CsrfRequest,
  type CsrfRequestView,
  type CsrfTokenRequirement,
  checkOrigin,
  csrfAllows,
  firstForwarded,
  formFieldOf,
  isSafeMethod,
  parsedFormField,
  type ResolvedCsrfOptions,
  requestOrigin,
  resolveCsrfOptions,
  verifyCsrf,
} from './csrf.ts';
export {
  redactError,
  SessionError,
  type SessionErrorCode,
  type SessionErrorOptions,
  SessionStoreError,
} from './errors.ts';
export {
  type ConflictRetriedEvent,
  type CookieTossingEvent,
  type CorruptRecordEvent,
  logSessionEvent,
  type SessionEvent,
  type StoreErrorEvent,
  type WriteDroppedEvent,
} from './events.ts';
export { createSessionManager } from './factory.ts';
export { SessionManager } from './manager.ts';
export { ForwardingSession, mapSessionErrors } from './map-errors.ts';
export { type MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.ts';
export { MAX_SEALED_COOKIE_BYTES } from './sealed.ts';
export {
  isSealedCookies,
  type SealedCookies,
  type SealedCookiesOptions,
  type SessionCapabilities,
  sealedCookies,
} from './sealed-session.ts';
export type {
  CommitOptions,
  CommitResult,
  Session,
  SessionData,
  SessionHandle,
  SessionInfo,
  SessionLifetime,
  SessionLifetimeControl,
  SessionManagerOptions,
  SessionRequest,
  SessionState,
} from './session.ts';
export {
  type AnySessionStore,
  type ClosableStore,
  type CompareAndSetStore,
  type ExpiredDeletionStore,
  type GetAndTouchStore,
  type SessionStore,
  type SessionWrite,
  type StoreCapabilities,
  type StoredSession,
  type StoredUserSession,
  storeCapabilities,
  type TouchedSession,
  type TouchIfDue,
  type UserIndexStore,
} from './store.ts';
export { type TieredSessionStore, type TieredStoreOptions, tieredStore } from './tiered-store.ts';

/**
 * One event hook for everything that happens beside a request's answer: store failures (with their
 * latency), compare-and-set conflicts retried, writes dropped, cookie tossing refused, corrupt records.
 * Events carry no session id, cookie value or payload, so they can go to any log or metrics pipeline.
 */
import type { SessionError } from './errors.ts';

/** A store call failed (the request answers 503 or, for background deletes, carries on). */
export interface StoreErrorEvent {
  readonly type: 'store-error';
  /** The store method: `get`, `create`, `set`, `compareAndSet`, `touch`, `delete`, `listByUser`. */
  readonly operation: string;
  /** How long the failed call took, milliseconds (a timeout shows as the client's timeout). */
  readonly latencyMs: number;
  readonly error: SessionError;
}

/** A compare-and-set lost to another process's write; core re-reads and re-applies (attempt 1, 2, …). */
export interface ConflictRetriedEvent {
  readonly type: 'cas-conflict';
  readonly attempt: number;
}

/** A write lost to a destroy or regenerate of the same session and was dropped (never revived). */
export interface WriteDroppedEvent {
  readonly type: 'write-dropped';
  /** What was dropped: a commit's changes, an `update()`, or a `regenerate()` whose source was gone. */
  readonly write: 'commit' | 'update' | 'regenerate';
  readonly error: SessionError;
}

/** Several cookies of our name verified to different ids, or too many came: the request has no session. */
export interface CookieTossingEvent {
  readonly type: 'cookie-tossing';
  readonly reason: 'different values' | 'too many';
  readonly error: SessionError;
}

/** A stored record could not be decoded; it counts as absent and a fresh session starts. */
export interface CorruptRecordEvent {
  readonly type: 'corrupt-record';
  readonly error: SessionError;
}

/** Everything the `onEvent` hook hears. */
export type SessionEvent =
  | StoreErrorEvent
  | ConflictRetriedEvent
  | WriteDroppedEvent
  | CookieTossingEvent
  | CorruptRecordEvent;

/**
 * The default `onEvent`: one line on `console.error` per event that is a problem (every event but a
 * retried conflict), with its code and message, never an id or a payload. Adapters use it too, so there
 * is one default reporter.
 * @example
 * // Feed them to a logger and OpenTelemetry instead:
 * createSessionManager({ ...options, onEvent(event) {
 *   if (event.type === 'store-error') storeErrors.add(1, { operation: event.operation });
 *   if ('error' in event) logger.warn({ event: event.type, code: event.error.code }, event.error.message);
 * } });
 */
export function logSessionEvent(event: SessionEvent): void {
  if (event.type === 'cas-conflict') return;
  console.error(`[cloakroom] ${event.error.code}: ${event.error.message}`);
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type {
  CommitResult,
  Session,
  SessionData,
  SessionHandle,
  SessionManager,
  SessionState,
} from '@cloakroom/session-core';
import { nestSession } from './nest-session.ts';

/**
 * The session slot of one request. The handle is opened on first use, so a request that never touches
 * its session costs nothing, and on Fastify the `secure` flag can still be set from Fastify's own
 * (proxy-aware) view of the request after Nest middleware ran.
 */
export class RequestSlot {
  readonly #manager: SessionManager<SessionData>;
  readonly #cookie: string | undefined;
  #handle: SessionHandle<SessionData> | undefined;
  #session: Session<SessionData> | undefined;
  /** Whether the request arrived over TLS; settled before the handle opens. */
  secure: boolean;
  /** Set by Fastify's onSend hook: the head Fastify writes next already carries the commit. */
  committedByHook = false;

  constructor(manager: SessionManager<SessionData>, cookie: string | undefined, secure: boolean) {
    this.#manager = manager;
    this.#cookie = cookie;
    this.secure = secure;
  }

  /** The session cookie's name, to find and replace our `Set-Cookie` among others. */
  get cookieName(): string {
    return this.#manager.cookieName;
  }

  get session(): Session<SessionData> {
    if (this.#session === undefined) {
      this.#handle = this.#manager.open({
        cookie: this.#cookie,
        secure: this.secure,
        canSetCookie: true,
      });
      this.#session = nestSession(this.#handle.session);
    }
    return this.#session;
  }

  /** Whether anything used the session (otherwise there is nothing to commit). */
  get opened(): boolean {
    return this.#handle !== undefined;
  }

  /** Whether there is nothing to commit (never opened, or opened but never touched). */
  get idle(): boolean {
    return this.#handle === undefined || this.#handle.idle;
  }

  /** The session's state; `unmodified` while never opened. */
  get state(): SessionState {
    return this.#handle === undefined ? 'unmodified' : this.#handle.session.state;
  }

  /** The commit, synchronously, when it has nothing to write or sign (see `SessionHandle.commitNow`). */
  commitNow(status: number): CommitResult | undefined {
    return this.#handle?.commitNow?.({ status });
  }

  /** Commits the handle; resolves null when the session was never used. */
  async commit(status: number | undefined, cookies = true): Promise<CommitResult | null> {
    if (this.#handle === undefined) return null;
    return this.#handle.commit(status === undefined ? { cookies } : { status, cookies });
  }
}

// A request's slot sits on the request under this symbol, and `request.session` is one shared getter
// that reads it: a closure or a WeakMap entry per request gave every request its own hidden class (or an
// ephemeron for the collector), which cost an untouched Nest request more than the rest of the module.
const SLOT = Symbol('cloakroom.nest.slot');
type Slotted = { [SLOT]?: RequestSlot };

const SESSION_PROPERTY: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: Slotted): Session<SessionData> | undefined {
    return this[SLOT]?.session;
  },
};

/**
 * Makes `request.session` the slot's session (opened on first use), so `@Session()` from
 * `@nestjs/common`, which reads `request.session`, gives the same session as ours instead of undefined
 * (an auto-import of the wrong one is the easy mistake). Left alone when something else (another session
 * library) already put a `session` there.
 */
export function exposeSession(request: object, slot: RequestSlot): void {
  if ('session' in request) return;
  (request as Slotted)[SLOT] = slot;
  Object.defineProperty(request, 'session', SESSION_PROPERTY);
}

/** The request's current slot, across every async step of its handling. */
export const requestStorage: AsyncLocalStorage<RequestSlot> = new AsyncLocalStorage<RequestSlot>();

/** Binds a slot to the Node request (Express' `req`, Fastify's `request.raw`). */
export function attachSlot(request: IncomingMessage, slot: RequestSlot): void {
  (request as Slotted)[SLOT] = slot;
}

/** The slot of a request as Express (`req`), Fastify (`request`, or `request.raw`) or Node gives it. */
export function slotOf(request: unknown): RequestSlot | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const direct = (request as Slotted)[SLOT];
  if (direct !== undefined) return direct;
  const raw = (request as { raw?: unknown }).raw;
  return raw !== null && typeof raw === 'object' ? (raw as Slotted)[SLOT] : undefined;
}

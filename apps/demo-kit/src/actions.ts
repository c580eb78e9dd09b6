import { timingSafeEqual } from 'node:crypto';
import { type Session, SessionError, type SessionInfo } from '@cloakroom/session-core';

// The demos' contract, without the session calls: each demo's handlers call its adapter's session API
// themselves (`req.session.get/set/update/regenerate/...`), and use these for the checks, limits and
// shapes that must be the same in every demo.

/**
 * What the demos keep in the session. The user is bound with `setUser`, messages are flash values under
 * `notice`. A type alias (not an interface) so it satisfies core's `Record<string, unknown>` constraint.
 */
export type DemoData = {
  count: number;
  cart: string[];
  /** The browser's `User-Agent` at sign-in, cut to {@link MAX_DEVICE_LENGTH}: the session list's device. */
  device: string;
};

/** The state `GET /api/session` answers. */
export interface DemoState {
  readonly user: string | null;
  readonly count: number;
  readonly cart: string[];
  readonly flash: string[];
}

/** One of the signed-in user's sessions, as `GET /api/sessions` lists it. */
export interface DemoSessionInfo {
  readonly current: boolean;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** A client error a demo answers with its status and `{ "error": message }`. */
export class DemoError extends Error {
  /** The HTTP status: 400, 401 or 501. */
  readonly status: number;
  /** @example throw new DemoError(401, 'Sign in first.') */
  constructor(status: number, message: string) {
    super(message);
    this.name = 'DemoError';
    this.status = status;
  }
}

/** The flash key the demos queue messages under. */
export const FLASH_KEY = 'notice';

/** Item length limits of `POST /api/cart`. */
export const MAX_ITEM_LENGTH = 64;

/**
 * Most items a cart holds. With items of at most 64 characters (at most 6 bytes each once JSON-escaped)
 * a full cart stays far below core's `maxPayloadBytes` (128 KiB), so no visitor can grow their own
 * session until every save fails with SESSION_PAYLOAD_TOO_LARGE.
 */
export const MAX_CART_ITEMS = 100;

/** Longest device description kept: a user agent is client-chosen text, so the session holds a bounded copy. */
export const MAX_DEVICE_LENGTH = 120;

const USERS: ReadonlyMap<string, string> = new Map([
  ['alice', 'alice-secret'],
  ['bob', 'bob-secret'],
]);

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/**
 * The demo users' credential check (`alice` / `alice-secret`, `bob` / `bob-secret`), in constant time.
 * @returns the username.
 * @throws DemoError 401 for any other username or password, or a body without them.
 * @example
 * const user = checkCredentials(req.body);
 * req.session.regenerate();
 * req.session.setUser(user);
 */
export function checkCredentials(body: unknown): string {
  const username = field(body, 'username');
  const password = field(body, 'password');
  const expected = typeof username === 'string' ? USERS.get(username) : undefined;
  if (expected === undefined || typeof password !== 'string' || !sameText(password, expected)) {
    throw new DemoError(401, 'Wrong username or password.');
  }
  return username as string;
}

/**
 * Validates `body.item` and gives the update function that appends it to a cart, for `session.update`:
 * parallel adds, in one process or several, all land (core re-runs it on the latest cart), and none
 * pushes a cart past {@link MAX_CART_ITEMS}.
 * @throws DemoError 400 unless `item` is a string of 1 to 64 characters; the update function throws it
 *   when the cart is full (and `session.update` rejects with it).
 * @example
 * const cart = await req.session.update('cart', appendItem(req.body));
 */
export function appendItem(body: unknown): (cart: string[] | undefined) => string[] {
  const item = field(body, 'item');
  if (typeof item !== 'string' || item.length < 1 || item.length > MAX_ITEM_LENGTH) {
    throw new DemoError(400, `The item must be a text of 1 to ${MAX_ITEM_LENGTH} characters.`);
  }
  return (cart = []) => {
    if (cart.length >= MAX_CART_ITEMS) {
      throw new DemoError(400, `The cart is full (at most ${MAX_CART_ITEMS} items).`);
    }
    return [...cart, item];
  };
}

/**
 * The device a session is signed in from: the `User-Agent` header, cut to {@link MAX_DEVICE_LENGTH}
 * characters; `unknown device` without one.
 * @example
 * req.session.set('device', deviceOf(req.get('user-agent')));
 */
export function deviceOf(userAgent: string | null | undefined): string {
  const text = (userAgent ?? '').trim();
  return text === '' ? 'unknown device' : text.slice(0, MAX_DEVICE_LENGTH);
}

/**
 * Answers a signed-out request to the session list or revoke route.
 * @returns the user.
 * @throws DemoError 401 when `user` is null.
 * @example
 * requireUser(await req.session.getUser());
 */
export function requireUser(user: string | null): string {
  if (user === null) throw new DemoError(401, 'Sign in first.');
  return user;
}

/**
 * The `.catch` of `listSessions()` and `revokeOtherSessions()`: a store without the per-user index
 * (Memcached) is answered 501; anything else (a store outage) goes on to the error handler.
 * @throws DemoError 501, or `error` itself.
 * @example
 * await req.session.revokeOtherSessions().catch(noUserIndex);
 */
export function noUserIndex(error: unknown): never {
  if (isNoUserIndex(error)) {
    throw new DemoError(501, 'This session store cannot list a user’s sessions (it has no per-user index).');
  }
  throw error;
}

/**
 * The page's `.catch` of `listSessions()`: `'unsupported'` on a store without the per-user index, so
 * the page says so instead of failing.
 * @throws `error` for anything else.
 * @example
 * const sessions = user === null ? null : await req.session.listSessions().catch(unlisted);
 */
export function unlisted(error: unknown): 'unsupported' {
  if (isNoUserIndex(error)) return 'unsupported';
  throw error;
}

function isNoUserIndex(error: unknown): boolean {
  return error instanceof SessionError && error.code === 'SESSION_USAGE';
}

/**
 * Core's session infos as `GET /api/sessions` answers them: `{ current, createdAt }` each.
 * @example
 * res.json(sessionList(await req.session.listSessions().catch(noUserIndex)));
 */
export function sessionList(sessions: readonly SessionInfo[]): DemoSessionInfo[] {
  return sessions.map((s) => ({ current: s.current, createdAt: s.createdAt.toISOString() }));
}

// What a demo's routes do, for demo-kit's own tests (the store and shared-session checks). Not exported
// from the package: each demo writes its handlers against its adapter's session API.

/**
 * `GET /api/session`: the state; consumes the flash messages.
 * @internal
 */
export async function readState(session: Session<DemoData>): Promise<DemoState> {
  const [user, count, cart, flash] = await Promise.all([
    session.getUser(),
    session.get('count'),
    session.get('cart'),
    session.consumeFlash(FLASH_KEY),
  ]);
  return { user, count: count ?? 0, cart: cart ?? [], flash: flash.map(String) };
}

/**
 * `POST /api/login`: a new id, the user bound, the device kept, a welcome queued.
 * @internal
 */
export async function login(
  session: Session<DemoData>,
  body: unknown,
  userAgent?: string,
): Promise<{ user: string }> {
  const user = checkCredentials(body);
  session.regenerate();
  session.setUser(user);
  session.set('device', deviceOf(userAgent));
  session.flash(FLASH_KEY, `Welcome, ${user}`);
  return { user };
}

/**
 * `POST /api/logout`: the session destroyed.
 * @internal
 */
export async function logout(session: Session<DemoData>): Promise<void> {
  session.destroy();
}

import { timingSafeEqual } from 'node:crypto';
import { type Session, SessionError } from '@cloakroom/session-core';

/**
 * What the demos keep in the session. The user is bound with `setUser`, messages are flash values under
 * `notice`. A type alias (not an interface) so it satisfies core's `Record<string, unknown>` constraint.
 */
export type DemoData = {
  count: number;
  cart: string[];
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
 * Reads the whole state; consumes the flash messages (they are shown once).
 * @throws SessionStoreError when the store is down (the adapter's error path answers 503).
 * @example
 * res.json(await readState(req.session));
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
 * Increments the counter atomically: parallel increments, in one process or several, all count.
 * @throws SessionStoreError when the store is down.
 * @example
 * res.json(await increment(req.session)); // { count: 1 }
 */
export async function increment(session: Session<DemoData>): Promise<{ count: number }> {
  return { count: await session.update('count', (count) => (count ?? 0) + 1) };
}

/**
 * Appends `body.item` to the cart atomically: parallel adds all land, up to {@link MAX_CART_ITEMS}.
 * @throws DemoError 400 unless `item` is a string of 1 to 64 characters, or when the cart is full.
 * @example
 * res.json(await addToCart(req.session, { item: 'apple' })); // { cart: ['apple'] }
 */
export async function addToCart(session: Session<DemoData>, body: unknown): Promise<{ cart: string[] }> {
  const item = field(body, 'item');
  if (typeof item !== 'string' || item.length < 1 || item.length > MAX_ITEM_LENGTH) {
    throw new DemoError(400, `The item must be a text of 1 to ${MAX_ITEM_LENGTH} characters.`);
  }
  if (((await session.get('cart')) ?? []).length >= MAX_CART_ITEMS) throw cartFull();
  // Checked again inside the update, which is re-run on the latest cart when another request added
  // meanwhile: parallel adds cannot push a cart past the limit either.
  let added = false;
  const cart = await session.update('cart', (current = []) => {
    added = current.length < MAX_CART_ITEMS;
    return added ? [...current, item] : current;
  });
  if (!added) throw cartFull();
  return { cart };
}

function cartFull(): DemoError {
  return new DemoError(400, `The cart is full (at most ${MAX_CART_ITEMS} items).`);
}

/**
 * Signs a demo user in (`alice` / `alice-secret`, `bob` / `bob-secret`): regenerates the session id
 * (the old one stops working), binds the user, queues `Welcome, <user>`.
 * @throws DemoError 401 for any other username or password.
 * @example
 * res.json(await login(req.session, { username: 'alice', password: 'alice-secret' })); // { user: 'alice' }
 */
export async function login(session: Session<DemoData>, body: unknown): Promise<{ user: string }> {
  const username = field(body, 'username');
  const password = field(body, 'password');
  const expected = typeof username === 'string' ? USERS.get(username) : undefined;
  if (expected === undefined || typeof password !== 'string' || !sameText(password, expected)) {
    throw new DemoError(401, 'Wrong username or password.');
  }
  const user = username as string;
  session.regenerate();
  session.setUser(user);
  session.flash(FLASH_KEY, `Welcome, ${user}`);
  return { user };
}

/**
 * Signs out: destroys the session (the record is deleted, the cookie expired). Resolves nothing: 204.
 * @example
 * await logout(req.session); res.status(204).end();
 */
export async function logout(session: Session<DemoData>): Promise<void> {
  session.destroy();
}

function capability(error: unknown): never {
  if (error instanceof SessionError && error.code === 'SESSION_USAGE') {
    // Memcached keeps no per-user index, so it cannot list or revoke a user's sessions.
    throw new DemoError(501, 'This session store cannot list a user’s sessions (it has no per-user index).');
  }
  throw error;
}

async function signedIn(session: Session<DemoData>): Promise<void> {
  if ((await session.getUser()) === null) throw new DemoError(401, 'Sign in first.');
}

/**
 * The signed-in user's live sessions, this one marked `current`.
 * @throws DemoError 401 when signed out; 501 on a store without the per-user index (Memcached).
 * @example
 * res.json(await listSessions(req.session)); // [{ current: true, createdAt: '2026-11-22T05:00:00.000Z' }]
 */
export async function listSessions(session: Session<DemoData>): Promise<DemoSessionInfo[]> {
  await signedIn(session);
  const sessions = await session.listSessions().catch(capability);
  return sessions.map((s) => ({ current: s.current, createdAt: s.createdAt.toISOString() }));
}

/**
 * Signs the user out of every other device: destroys their other sessions.
 * @throws DemoError 401 when signed out; 501 on a store without the per-user index (Memcached).
 * @example
 * res.json(await revokeOthers(req.session)); // { revoked: 2 }
 */
export async function revokeOthers(session: Session<DemoData>): Promise<{ revoked: number }> {
  await signedIn(session);
  return { revoked: await session.revokeOtherSessions().catch(capability) };
}

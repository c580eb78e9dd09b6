// What the demo does with the session, written once for its two entry points: the JSON API's Route
// Handlers (app/api/**/route.ts) and the page's Server Actions (app/actions.ts). Each takes the
// request's session from the helpers (withSession(), getSession()) and calls its API directly; demo-kit
// only checks the input (credentials, item) and keeps the limits and the shapes every demo answers.
import type { Session } from '@cloakroom/session-core';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  type DemoSessionInfo,
  type DemoState,
  deviceOf,
  FLASH_KEY,
  noUserIndex,
  requireUser,
  sessionList,
} from 'demo-kit';

type DemoSession = Session<DemoData>;

/** `{ user, count, cart, flash }`: one store read serves every get; reading the flash consumes it. */
export async function readState(session: DemoSession): Promise<DemoState> {
  const [user, count = 0, cart = [], flash] = await Promise.all([
    session.getUser(),
    session.get('count'),
    session.get('cart'),
    session.consumeFlash(FLASH_KEY),
  ]);
  return { user, count, cart, flash: flash.map(String) };
}

/** `[{ current, createdAt }]`; 401 when signed out, 501 on a store without the per-user index. */
export async function listSessions(session: DemoSession): Promise<DemoSessionInfo[]> {
  requireUser(await session.getUser());
  return sessionList(await session.listSessions().catch(noUserIndex));
}

/** `{ count }`, incremented atomically (parallel increments all count). */
export async function increment(session: DemoSession): Promise<{ count: number }> {
  return { count: await session.update('count', (count = 0) => count + 1) };
}

/** `{ cart }` with `item` appended; update() re-runs appendItem's function on a cart changed meanwhile. */
export async function addToCart(session: DemoSession, body: unknown): Promise<{ cart: string[] }> {
  return { cart: await session.update('cart', appendItem(body)) };
}

/** `{ user }` with a new session id, the device kept and a welcome flash; 401 for wrong credentials. */
export async function login(
  session: DemoSession,
  body: unknown,
  userAgent: string | null,
): Promise<{ user: string }> {
  const user = checkCredentials(body);
  session.regenerate(); // a new id on every privilege change: the old cookie stops working
  session.setUser(user);
  session.set('device', deviceOf(userAgent));
  session.flash(FLASH_KEY, `Welcome, ${user}`);
  return { user };
}

/** Resolves nothing (204): the session destroyed, its cookie expired. */
export async function logout(session: DemoSession): Promise<void> {
  session.destroy();
}

/** `{ revoked }`: the user's other sessions destroyed; 401 when signed out. */
export async function revokeOthers(session: DemoSession): Promise<{ revoked: number }> {
  requireUser(await session.getUser());
  return { revoked: await session.revokeOtherSessions().catch(noUserIndex) };
}

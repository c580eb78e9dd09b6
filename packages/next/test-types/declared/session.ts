// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and every
// helper `createNextSession()` returns follows without a type argument. Each `@type-error` line must
// fail with exactly that code.
import { memoryStore } from '@cloakroom/session-core';
import { createNextSession, type SessionRouteHandler } from '@cloakroom/session-next';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
    cart: string[];
  }
}

export const { getSession, getWritableSession, action, withSession, withSessionApiRoute, manager } =
  createNextSession({ store: memoryStore(), secret: 'x'.repeat(32) });

// A Server Component reads.
export async function Cart(): Promise<string[]> {
  const session = await getSession();
  // Positive control.
  const cart: string[] = (await session.get('cart')) ?? [];
  // @type-error TS2345 a misspelled key
  await session.get('crat');
  return cart;
}

// A Server Action writes.
export const addToCart = action(async (item: string) => {
  const session = await getWritableSession();
  // Positive control.
  await session.update('cart', (items = []) => [...items, item]);
  // @type-error TS2345 a misspelled key
  session.set('crat', [item]);
  // @type-error TS2322 cart items are strings
  session.set('cart', [1]);
});

// A Route Handler, and the same handler type written out.
export const POST = withSession(async (_request, _context, session) => {
  // Positive control.
  session.set('visits', 1);
  // @type-error TS2345 visits is a number
  session.set('visits', 'many');
  return Response.json({ ok: true });
});
export const handler: SessionRouteHandler = async (_request, _context, session) => {
  // @type-error TS2345 a misspelled key
  session.set('vists', 1);
  return Response.json({ visits: await session.get('visits') });
};

// A Pages Router API route.
export default withSessionApiRoute(async (_req, res, session) => {
  // Positive control.
  res.json({ visits: await session.update('visits', (n = 0) => n + 1) });
  // @type-error TS2345 a misspelled key
  session.delete('vists');
});

// The manager is typed with the app's data.
export const users: Promise<number> = manager.destroyUserSessions('alice');

// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// lib/session.ts: one module builds the helpers; import them everywhere else.
import { memoryStore } from '@cloakroom/session-core';
import { createNextSession } from '@cloakroom/session-next';

type Data = { cart: string[]; visits: number };

// Next compiles proxy.ts, the App Router and the Pages Router separately, each with its own copy of
// this module: keep a memory store on globalThis so they share it (a Redis store needs no such care).
const shared = globalThis as { sessionStore?: ReturnType<typeof memoryStore> };
shared.sessionStore ??= memoryStore();

export const { getSession, getWritableSession, action, redirect, withSession, proxy, withSessionApiRoute } =
  createNextSession<Data>({
    store: shared.sessionStore,
    secret: process.env.SESSION_SECRET!, // at least 32 random bytes
    cookie: { secure: process.env.NODE_ENV === 'production' }, // `next dev` serves plain http
  });

'use server';
// The page's forms post here: Server Actions, checked by Next's own Origin check before they run. Each
// runs one of lib/handlers.ts on the request's writable session (action() commits it, setting the cookie
// when the id is new), then redirects to / — as the other demos answer a form post with 303 /. A wrong
// password or an empty item becomes a flash message on the page.
import type { Session } from '@cloakroom/session-core';
import { type DemoData, perform } from 'demo-kit';
import { headers } from 'next/headers';
import { addToCart, increment, login, logout, revokeOthers } from '@/lib/handlers';
import { action, getSession, redirect } from '@/lib/session';

function formAction(
  handler: (session: Session<DemoData>, fields: Record<string, unknown>) => Promise<unknown>,
): (form: FormData) => Promise<void> {
  return action(async (form: FormData) => {
    const fields = Object.fromEntries([...form].filter(([, value]) => typeof value === 'string'));
    const session = await getSession();
    const outcome = await perform(session, 'multipart/form-data', () => handler(session, fields));
    await redirect(outcome.location ?? '/');
  });
}

export const incrementAction = formAction(increment);
export const addToCartAction = formAction(addToCart);
export const signInAction = formAction(async (session, fields) =>
  login(session, fields, (await headers()).get('user-agent')),
);
export const signOutAction = formAction(logout);
export const signOutOthersAction = formAction(revokeOthers);

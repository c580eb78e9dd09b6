'use server';
// The page's forms post here: Server Actions, checked by Next's own Origin check before they run. Each
// runs demo-kit's action on the request's writable session (action() commits it, setting the cookie
// when the id is new), then redirects to / — as the other demos answer a form post with 303 /. A wrong
// password or an empty item becomes a flash message on the page.
import { addToCart, type DemoAction, increment, login, logout, perform, revokeOthers } from 'demo-kit';
import { action, getSession, redirect } from '@/lib/session';

function formAction(run: DemoAction): (form: FormData) => Promise<void> {
  return action(async (form: FormData) => {
    const fields = Object.fromEntries([...form].filter(([, value]) => typeof value === 'string'));
    const outcome = await perform(run, await getSession(), fields, 'multipart/form-data');
    await redirect(outcome.location ?? '/');
  });
}

export const incrementAction = formAction(increment);
export const addToCartAction = formAction(addToCart);
export const signInAction = formAction(login);
export const signOutAction = formAction(logout);
export const signOutOthersAction = formAction(revokeOthers);

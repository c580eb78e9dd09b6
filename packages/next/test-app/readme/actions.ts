// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// app/cart/actions.ts: Server Actions write.
'use server';
import { redirect as nextRedirect } from 'next/navigation';
import { action, getSession, getWritableSession } from '@/lib/session';

// Wrapped: committed (store write and Set-Cookie through cookies()) when the action returns or throws
// redirect() / notFound(). Inside the wrapper, getSession() is this request's writable session.
export const addToCart = action(async (form: FormData) => {
  const session = await getSession();
  await session.update('cart', (cart = []) => [...cart, String(form.get('item'))]);
  session.flash('notice', 'Added.');
});

// Inline: getWritableSession(), then `await session.save()` before you redirect.
export async function signIn(form: FormData): Promise<void> {
  const user = await checkPassword(form); // yours
  const session = await getWritableSession();
  session.regenerate(); // a new id on every privilege change
  session.setUser(user.id);
  await session.save(); // saved and the cookie set: redirect() after it is safe
  nextRedirect('/cart');
}

async function checkPassword(form: FormData): Promise<{ id: string }> {
  return { id: String(form.get('user')) };
}

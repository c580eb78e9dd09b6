'use server';

import { redirect } from 'next/navigation';
import { action, getSession, getWritableSession } from '../../lib/session';

/** A form's Server Action wrapped in action(): committed when it returns or redirects. */
export const addFromForm = action(async (formData: FormData) => {
  const session = await getSession();
  const item = String(formData.get('item') ?? '');
  await session.update('cart', (current) => [...(Array.isArray(current) ? current : []), item]);
  if (formData.get('next') === 'redirect') redirect('/cart');
});

/** An inline Server Action: getWritableSession(), save(), then Next's redirect(). */
export async function signIn(formData: FormData): Promise<void> {
  const session = await getWritableSession();
  session.regenerate();
  session.setUser(String(formData.get('user') ?? ''));
  await session.save();
  redirect('/cart');
}

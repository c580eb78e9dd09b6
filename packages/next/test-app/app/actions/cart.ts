'use server';

import { notFound, redirect } from 'next/navigation';
import { action, getSession } from '../../lib/session';

/** A Server Action wrapped in action(): committed when it returns, redirects or calls notFound(). */
export const addToCart = action(async (item: string, then?: 'redirect' | 'not-found' | 'fail') => {
  const session = await getSession();
  // get + set, saved with the action's outcome (update() would write at once, kept even if it fails).
  const current = await session.get('cart');
  const cart = [...(Array.isArray(current) ? current : []), item];
  session.set('cart', cart);
  if (then === 'redirect') redirect('/get?key=cart');
  if (then === 'not-found') notFound();
  if (then === 'fail') throw new Error('the action failed after writing');
  return cart;
});

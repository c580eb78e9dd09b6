'use server';

import { notFound, redirect } from 'next/navigation';
import { action, getSession } from '../../lib/session';

/** A Server Action wrapped in action(): committed when it returns, redirects or calls notFound(). */
export const addToCart = action(async (item: string, then?: 'redirect' | 'not-found' | 'fail') => {
  const session = await getSession();
  const cart = await session.update('cart', (current) => [...(Array.isArray(current) ? current : []), item]);
  if (then === 'redirect') redirect('/get?key=cart');
  if (then === 'not-found') notFound();
  if (then === 'fail') throw new Error('the action failed after writing');
  return cart;
});

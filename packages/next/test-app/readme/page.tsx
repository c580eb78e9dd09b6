// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// app/cart/page.tsx: a Server Component reads; the form posts to Server Actions.
import { getSession } from '@/lib/session';
import { addToCart, signIn } from './actions';

export default async function CartPage() {
  const session = await getSession();
  const [notice] = await session.consumeFlash('notice'); // saved after the response, with after()
  return (
    <main>
      {notice ? <p>{String(notice)}</p> : null}
      <p>Signed in as {(await session.getUser()) ?? 'nobody'}</p>
      <p>Cart: {((await session.get('cart')) ?? []).join(', ')}</p>
      <form action={addToCart}>
        <input name="item" /> <button type="submit">Add</button>
      </form>
      <form action={signIn}>
        <input name="user" /> <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

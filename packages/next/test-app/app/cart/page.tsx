import { getSession } from '../../lib/session';
import { addFromForm, signIn } from './actions';

// Forms posting to Server Actions (they work without JavaScript: the action id travels in the form).
export default async function CartPage() {
  const session = await getSession();
  return (
    <main>
      <p id="cart">{JSON.stringify((await session.get('cart')) ?? [])}</p>
      <p id="user">{String((await session.getUser()) ?? '')}</p>
      <form action={addFromForm}>
        <input name="item" />
        <button type="submit">Add</button>
      </form>
      <form action={signIn}>
        <input name="user" />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

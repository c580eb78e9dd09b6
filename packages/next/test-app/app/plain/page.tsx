import { getSession } from '../../lib/session';

// A Server Component outside the proxy's matcher: its own after() commit is all that touches the session.
export default async function PlainPage() {
  const session = await getSession();
  return <p id="greeting">{String((await session.get('greeting')) ?? '')}</p>;
}

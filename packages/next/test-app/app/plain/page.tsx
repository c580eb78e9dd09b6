import { getSession } from '../../lib/session';

async function Visits() {
  // A second component of the same render: the same session, no second store read.
  const session = await getSession();
  return <p id="count">{String((await session.get('count')) ?? '')}</p>;
}

// A Server Component outside the proxy's matcher: its own after() commit is all that touches the session.
export default async function PlainPage() {
  const session = await getSession();
  return (
    <main>
      <p id="greeting">{String((await session.get('greeting')) ?? '')}</p>
      <Visits />
    </main>
  );
}

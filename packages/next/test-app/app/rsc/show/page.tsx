import { getSession } from '../../../lib/session';

// The Server Component read path: reads, and consumes a flash message (saved after the response).
export default async function ShowPage() {
  const session = await getSession();
  const messages = await session.consumeFlash('message');
  const greeting = await session.get('greeting');
  return (
    <main>
      <p id="exists">{String(await session.exists())}</p>
      <p id="greeting">{String(greeting ?? '')}</p>
      <p id="user">{String((await session.getUser()) ?? '')}</p>
      <p id="flash">{JSON.stringify(messages)}</p>
    </main>
  );
}

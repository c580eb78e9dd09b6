import { getSession } from '../../../lib/session';

// A write in a Server Component: fine on a session that exists (saved after the response without a
// cookie), refused with SESSION_COOKIE_READONLY when it would start one.
export default async function WritePage({ searchParams }: { searchParams: Promise<{ value?: string }> }) {
  const { value = 'from-rsc' } = await searchParams;
  const session = await getSession();
  let outcome: string;
  try {
    session.set('rsc', value);
    outcome = 'written';
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    outcome = `${code}: ${message}`;
  }
  return (
    <main>
      <p id="outcome">{outcome}</p>
    </main>
  );
}

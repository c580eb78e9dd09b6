import { getSession } from '../../../lib/session';

// regenerate() cannot work in a Server Component: the error is thrown, uncaught, and Next answers 500.
export default async function RegeneratePage() {
  const session = await getSession();
  session.regenerate();
  return <p>unreachable</p>;
}

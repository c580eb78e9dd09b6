import { state } from '../../lib/session';

export const dynamic = 'force-dynamic';

// How many store calls this process made so far, and resets the count.
export function GET(): Response {
  const calls = state.calls;
  state.calls = 0;
  return Response.json({ calls });
}

import { withSession } from '../../lib/session';

// Writes, then fails: Next answers 500 and nothing may be saved.
export const POST = withSession((request, _context, session) => {
  const params = request.nextUrl.searchParams;
  session.set(params.get('key') ?? 'failed', params.get('value') ?? '');
  throw new Error('the handler failed after writing');
});

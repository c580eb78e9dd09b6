import { redirect as nextRedirect } from 'next/navigation';
import { redirect, withSession } from '../../lib/session';

// A redirect thrown inside withSession(): Next's own redirect(), or the adapter's (?via=helper), which
// commits first. Either way the cookie rides on Next's redirect response.
export const POST = withSession(async (request, _context, session) => {
  const params = new URL(request.url).searchParams;
  session.set('thrown', params.get('value') ?? 'yes');
  if (params.get('via') === 'helper') await redirect('/get?key=thrown');
  nextRedirect('/get?key=thrown');
});

import { redirect } from 'next/navigation';
import { withSession } from '../../lib/session';

// next/navigation's redirect() thrown inside withSession(): the cookie rides on Next's redirect response.
export const POST = withSession((request, _context, session) => {
  session.set('thrown', new URL(request.url).searchParams.get('value') ?? 'yes');
  redirect('/get?key=thrown');
});

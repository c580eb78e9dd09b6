import { withSession } from '../../lib/session';

// Response.redirect() has immutable headers: withSession() answers a copy that carries the cookie.
export const POST = withSession((request, _context, session) => {
  session.set('immutable', 'yes');
  return Response.redirect(new URL('/get?key=immutable', request.url), 302);
});

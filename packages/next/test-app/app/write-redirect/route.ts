import { withSession } from '../../lib/session';

export const POST = withSession((request, _context, session) => {
  const params = request.nextUrl.searchParams;
  const key = params.get('key') ?? 'landing';
  session.set(key, params.get('value') ?? '');
  return new Response(null, { status: 302, headers: { Location: `/get?key=${encodeURIComponent(key)}` } });
});

import { withSession } from '../../lib/session';

export const POST = withSession((request, _context, session) => {
  const params = request.nextUrl.searchParams;
  session.set(params.get('key') ?? 'landing', params.get('value') ?? '');
  return new Response(null, { status: 302, headers: { Location: '/get?key=landing' } });
});

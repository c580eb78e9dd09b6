import { withSession } from '../../lib/session';

export const POST = withSession(async (request, _context, session) => {
  const key = request.nextUrl.searchParams.get('key') ?? 'counter';
  const value = await session.update(key, (current) => (typeof current === 'number' ? current : 0) + 1);
  return Response.json({ value });
});

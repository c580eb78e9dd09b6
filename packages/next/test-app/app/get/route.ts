import { withSession } from '../../lib/session';

// { value } for a stored session (the key may be absent), { value: null } when there is none.
export const GET = withSession(async (request, _context, session) => {
  const key = request.nextUrl.searchParams.get('key') ?? '';
  if (!(await session.exists())) return Response.json({ value: null });
  return Response.json({ value: await session.get(key) });
});

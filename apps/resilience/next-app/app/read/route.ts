import { withSession } from '../../lib/session';

// { value } of a stored session's key, { value: null } when there is no session. Never writes.
export const GET = withSession(async (request, _context, session) => {
  const key = request.nextUrl.searchParams.get('key') ?? '';
  if (!(await session.exists())) return Response.json({ value: null });
  return Response.json({ value: (await session.get(key)) ?? null });
});

// Sets a key (to mint one real signed cookie whose forgeries the test sends).
export const POST = withSession(
  async (request, _context, session) => {
    session.set(request.nextUrl.searchParams.get('key') ?? '', request.nextUrl.searchParams.get('value'));
    return Response.json({ ok: true });
  },
  { csrf: false },
);

import { withSession } from '../../lib/session';

export const POST = withSession(async (request, _context, session) => {
  const { user } = (await request.json()) as { user: string };
  session.regenerate();
  session.setUser(user);
  return Response.json({ ok: true });
});

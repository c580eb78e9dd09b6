import { withSession } from '../../lib/session';

export const POST = withSession((_request, _context, session) => {
  session.regenerate();
  return Response.json({ ok: true });
});

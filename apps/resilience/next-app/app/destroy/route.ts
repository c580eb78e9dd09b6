import { withSession } from '../../lib/session';

// Destroys the session (none, in the flood: nothing to do, nothing to write).
export const POST = withSession(
  (_request, _context, session) => {
    session.destroy();
    return Response.json({ ok: true });
  },
  { csrf: false },
);

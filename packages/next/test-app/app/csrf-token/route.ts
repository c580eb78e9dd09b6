import { withSession } from '../../lib/session';

export const GET = withSession(async (_request, _context, session) =>
  Response.json({ token: await session.csrfToken() }),
);

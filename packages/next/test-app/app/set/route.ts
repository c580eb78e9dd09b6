import { withSession } from '../../lib/session';

export const POST = withSession(async (request, _context, session) => {
  const body = (await request.json()) as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) session.set(key, value);
  return Response.json({ ok: true });
});

import { holdAtGate } from '@cloakroom/session-adapter-test';
import { withSession } from '../../lib/session';

export const POST = withSession(async (request, _context, session) => {
  await holdAtGate(session, request.nextUrl.searchParams.get('gate'));
  session.regenerate();
  return Response.json({ ok: true });
});

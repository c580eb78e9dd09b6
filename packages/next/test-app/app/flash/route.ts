import { withSession } from '../../lib/session';

export const POST = withSession(async (request, _context, session) => {
  const { message } = (await request.json()) as { message: string };
  session.flash('message', message);
  return Response.json({ ok: true });
});

export const GET = withSession(async (_request, _context, session) =>
  Response.json({ messages: await session.consumeFlash('message') }),
);

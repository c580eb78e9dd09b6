import { sessions, text } from '../../lib/session';

export const dynamic = 'force-dynamic';

export const GET = sessions
  ? sessions.withSession(async (_request, _context, session) =>
      text(await session.update('n', (n) => Number(n ?? 0) + 1)),
    )
  : () => text(1);

// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// pages/api/visits.ts: a Pages Router API route.
import { withSessionApiRoute } from '@/lib/session';

export default withSessionApiRoute(async (_req, res, session) => {
  res.json({ visits: await session.update('visits', (n = 0) => n + 1) });
});

// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// app/api/cart/route.ts: a Route Handler.
import { withSession } from '@/lib/session';

export const GET = withSession(async (_request, _context, session) =>
  Response.json({ cart: (await session.get('cart')) ?? [] }),
);

export const DELETE = withSession((_request, _context, session) => {
  session.delete('cart');
  return new Response(null, { status: 204 });
});

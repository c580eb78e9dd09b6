import { withSession } from '../../lib/session';

// The CSRF check (Origin, then the token in `_csrf` or `x-csrf-token`) runs in withSession before this.
export const POST = withSession(async (request, _context, session) => {
  const form = await request.formData();
  session.set('form', String(form.get('value') ?? ''));
  return Response.json({ ok: true });
});

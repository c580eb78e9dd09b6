import { getWritableSession, redirect } from '../../lib/session';

// Not wrapped: the same commit path as an inline Server Action. save() commits and sets the cookie
// through cookies() from next/headers; ?via=redirect uses the helper that commits, then redirects.
export async function POST(request: Request) {
  const params = new URL(request.url).searchParams;
  const session = await getWritableSession();
  if (params.get('op') === 'destroy') session.destroy();
  else if (params.get('op') === 'regenerate') session.regenerate();
  else session.set(params.get('key') ?? 'writable', params.get('value') ?? 'yes');
  if (params.get('via') === 'redirect') await redirect(`/get?key=${params.get('key') ?? 'writable'}`);
  await session.save();
  return Response.json({ ok: true, again: (await getWritableSession()) === session });
}

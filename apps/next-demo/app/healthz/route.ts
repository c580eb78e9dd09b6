// Never touches the session (no session helper here, and proxy.ts leaves this path alone): no store
// round trip, no cookie.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

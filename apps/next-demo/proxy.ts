// Next 16's middleware: keeps the session cookie's Max-Age sliding on page navigations (a Server
// Component cannot set cookies; the Route Handlers and Server Actions refresh it themselves).
import type { NextRequest } from 'next/server';
import { proxy as refreshSession } from '@/lib/session';

export function proxy(request: NextRequest) {
  return refreshSession(request);
}

export const config = {
  matcher: [
    {
      // Not the API (withSession does it), not /healthz (never touches the session), not static files.
      source: '/((?!api/|healthz$|_next/static|_next/image|favicon.ico).*)',
      missing: [{ type: 'header', key: 'next-router-prefetch' }],
    },
  ],
};

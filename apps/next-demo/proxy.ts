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
      // Not the API nor the test-only scenario routes (withSession commits and touches there), not
      // /healthz (never touches the session), not static files.
      source: '/((?!api/|__scenarios/|healthz$|_next/static|_next/image|favicon.ico).*)',
      missing: [{ type: 'header', key: 'next-router-prefetch' }],
    },
  ],
};

// The README's example, copied verbatim (test/readme.test.ts checks it) and type-checked; not built or served.
// proxy.ts (Next 16's middleware, Node.js runtime): sliding expiry on navigations.
import type { NextRequest } from 'next/server';
import { proxy as refreshSession } from '@/lib/session';

export function proxy(request: NextRequest) {
  return refreshSession(request);
}

export const config = {
  matcher: [
    {
      source: '/((?!api|_next/static|_next/image|favicon.ico).*)',
      // Next hides its router's prefetch headers from the proxy: leave prefetches out here.
      missing: [{ type: 'header', key: 'next-router-prefetch' }],
    },
  ],
};

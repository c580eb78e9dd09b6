import type { NextRequest } from 'next/server';
import { proxy as refresh } from './lib/session';

export function proxy(request: NextRequest) {
  return refresh(request);
}

// Page navigations only: Route Handlers wrapped in withSession() commit (and touch) themselves, and
// Next's router prefetches are not activity (Next hides their headers from the proxy: match them out).
export const config = {
  matcher: [{ source: '/rsc/:path*', missing: [{ type: 'header', key: 'next-router-prefetch' }] }],
};

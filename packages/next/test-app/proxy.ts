import type { NextRequest } from 'next/server';
import { proxy as refresh } from './lib/session';

export function proxy(request: NextRequest) {
  return refresh(request);
}

// Page navigations only: Route Handlers wrapped in withSession() commit (and touch) themselves.
export const config = { matcher: ['/rsc/:path*'] };

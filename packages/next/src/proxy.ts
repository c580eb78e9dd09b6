import type { SessionData } from '@cloakroom/session-core';
import { type NextRequest, NextResponse } from 'next/server.js';
import { type Adapter, applyToHeaders } from './context.ts';
import { hasCookie } from './cookies.ts';
import { isSecure } from './request.ts';

/**
 * The `proxy.ts` helper: keeps sliding expiry fresh on page navigations. Per navigation that carries our
 * cookie it verifies the cookie and reads the record (one store `get`); at most once per `touchInterval`
 * it moves the expiry with a store `touch` (never a full write) and sets the refreshed cookie.
 */
export function proxyFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): (request: NextRequest, response?: NextResponse) => Promise<NextResponse> {
  return async (request, response) => {
    const target = response ?? NextResponse.next();
    const header = (name: string): string | null => request.headers.get(name);
    const cookie = header('cookie');
    // Only navigations: unsafe requests (Server Actions, forms) commit the session themselves, and a
    // browser's speculative prefetch (Sec-Purpose) is not activity. Next strips its own router headers
    // (Next-Router-Prefetch) before the proxy runs, so its prefetches are left out by the matcher's
    // `missing` condition instead (see the README). No cookie of ours: no crypto and no store call.
    const purpose = `${header('sec-purpose') ?? ''} ${header('purpose') ?? ''}`.toLowerCase();
    if (
      (request.method !== 'GET' && request.method !== 'HEAD') ||
      purpose.includes('prefetch') ||
      !hasCookie(cookie, adapter.manager.cookieName)
    ) {
      return target;
    }
    const handle = adapter.manager.open({
      cookie,
      secure: isSecure(header, adapter.trustProxy),
      canSetCookie: true,
    });
    try {
      if (!(await handle.session.exists())) return target;
      const result = await handle.commit({ status: 200 });
      if (result.cookies.length > 0) applyToHeaders(target.headers, result);
    } catch (error) {
      // Refreshing is an optimisation: a failure is reported, and the page itself meets the store
      // (and answers its own error) if it needs the session.
      const known = error as { code?: unknown };
      if (typeof known?.code !== 'string' || !known.code.startsWith('SESSION_')) throw error;
      adapter.report(error as Parameters<Adapter<Data>['report']>[0]);
    }
    return target;
  };
}

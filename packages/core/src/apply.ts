/**
 * One applier per header API style, so every adapter writes a commit's headers the same way: each
 * `Set-Cookie` of the result replaces a value of the same cookie name written earlier in the response
 * (a second commit never duplicates a cookie; other cookies stay), `Vary` gains `Cookie` once (never next
 * to `*`), and the other headers (`Cache-Control`) are set, replacing the handler's: a shared cache must
 * never keep a response that sets or clears a session cookie.
 */
import type { CommitResult } from './session.ts';

/** Node's `ServerResponse` shape, and anything with the same two methods (Koa's response, a Fastify reply). */
export interface NodeHeaderTarget {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string | string[]): unknown;
}

/** The cookie name of a `Set-Cookie` value (what comes before the first `=`). */
function nameOf(setCookie: string): string {
  const eq = setCookie.indexOf('=');
  return eq === -1 ? setCookie : setCookie.slice(0, eq);
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** `existing` with the result's cookies in place of earlier values of the same names. */
function mergedCookies(existing: readonly string[], cookies: readonly string[]): string[] {
  const names = new Set(cookies.map(nameOf));
  return [...existing.filter((cookie) => !names.has(nameOf(cookie))), ...cookies];
}

/** The `Vary` value with `token` added, or null when it is there already (or `*`). */
function varyWith(current: string, token: string): string | null {
  const tokens = current
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const lower = token.toLowerCase();
  if (tokens.some((item) => item === '*' || item.toLowerCase() === lower)) return null;
  return [...tokens, token].join(', ');
}

/** Whether a commit has anything to write. */
export function hasHeaders(result: CommitResult): boolean {
  return result.cookies.length > 0 || result.headers.length > 0;
}

/**
 * Writes a commit's headers on a Node-style response (`getHeader`/`setHeader`): Express, Node's `http`,
 * Next.js Pages API routes, Koa's `ctx.response`, Nest on either platform.
 * @example
 * applyToNodeResponse(res, await handle.commit({ status: res.statusCode }));
 */
export function applyToNodeResponse(target: NodeHeaderTarget, result: CommitResult): void {
  if (result.cookies.length > 0) {
    target.setHeader('Set-Cookie', mergedCookies(list(target.getHeader('set-cookie')), result.cookies));
  }
  for (const [name, value] of result.headers) {
    if (name.toLowerCase() === 'vary') {
      const vary = varyWith(list(target.getHeader('vary')).join(', '), value);
      if (vary !== null) target.setHeader('Vary', vary);
    } else {
      target.setHeader(name, value);
    }
  }
}

/**
 * Writes a commit's headers on a Fetch API `Headers` (Hono, Next.js Route Handlers and proxy, any
 * web-standard runtime).
 * @example
 * applyToFetchHeaders(response.headers, await handle.commit({ status: response.status }));
 */
export function applyToFetchHeaders(headers: Headers, result: CommitResult): void {
  if (result.cookies.length > 0) {
    const existing = headers.getSetCookie();
    const names = new Set(result.cookies.map(nameOf));
    if (existing.some((cookie) => names.has(nameOf(cookie)))) {
      headers.delete('set-cookie');
      for (const cookie of existing) if (!names.has(nameOf(cookie))) headers.append('set-cookie', cookie);
    }
    for (const cookie of result.cookies) headers.append('set-cookie', cookie);
  }
  for (const [name, value] of result.headers) {
    if (name.toLowerCase() === 'vary') {
      const vary = varyWith(headers.get('vary') ?? '', value);
      if (vary !== null) headers.set('Vary', vary);
    } else {
      headers.set(name, value);
    }
  }
}

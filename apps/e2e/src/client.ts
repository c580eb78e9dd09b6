// What the demos answer, for the e2e tests; the cookie-keeping client is the kit's CookieClient.
/** The demo's JSON state, as `GET /api/session` answers it. */
export interface DemoState {
  user: string | null;
  count: number;
  cart: string[];
  flash: string[];
}

/** The `_csrf` value of the first form on a page. @throws Error when the page has none */
export function csrfTokenOf(html: string): string {
  const match =
    /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(html) ??
    /<input[^>]*value="([^"]+)"[^>]*name="_csrf"/.exec(html);
  if (!match) throw new Error(`e2e: the page carries no _csrf field: ${html.slice(0, 300)}`);
  return match[1]!
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

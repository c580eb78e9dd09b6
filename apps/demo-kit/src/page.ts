import type { SessionInfo } from '@cloakroom/session-core';
import { type DemoState, MAX_ITEM_LENGTH } from './actions.ts';

/** What the page shows besides the session state. */
export interface PageOptions {
  /** Framework name shown in the title, e.g. `Express`. */
  readonly framework: string;
  /** The session's CSRF token, carried by every form. */
  readonly csrfToken: string;
  /**
   * The signed-in user's sessions (`session.listSessions()`); null when signed out; `'unsupported'` on a
   * store without the per-user index (Memcached).
   */
  readonly sessions: readonly SessionInfo[] | 'unsupported' | null;
  /** This session's device (`device`, stored at sign-in), shown beside the current session. */
  readonly device?: string | undefined;
  /** The idle timeout in seconds, as configured: the session list derives "last seen" from it. */
  readonly idleTimeout: number;
  /** Where the forms post; the JSON API routes by default. Next's demo points them at Server Actions. */
  readonly actionBase?: string;
}

/** One line of the page's session list. */
export interface SessionRow {
  readonly current: boolean;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601; see {@link lastSeen}. */
  readonly lastSeenAt: string;
  /** The user agent it signed in from; null for another session (core's list carries no session data). */
  readonly device: string | null;
}

/**
 * When a session was last used, derived from what the store already keeps: its expiry minus the idle
 * timeout (every request that reads a session slides the expiry, with a touch at most once per touch
 * interval, so this is exact to within that interval). No write per request records it. Never before
 * the session's creation.
 * @example
 * lastSeen({ createdAt, expiresAt: new Date('2026-11-22T06:30:00Z') }, 1800); // 2026-11-22T06:00:00Z
 */
export function lastSeen(session: Pick<SessionInfo, 'createdAt' | 'expiresAt'>, idleTimeout: number): Date {
  return new Date(Math.max(session.createdAt.getTime(), session.expiresAt.getTime() - idleTimeout * 1000));
}

/**
 * The page's session list: core's infos with "last seen" derived ({@link lastSeen}) and this
 * session's device.
 * @example
 * sessionRows(await session.listSessions(), 1800, await session.get('device'));
 */
export function sessionRows(
  sessions: readonly SessionInfo[],
  idleTimeout: number,
  device: string | undefined,
): SessionRow[] {
  return sessions.map((s) => ({
    current: s.current,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: lastSeen(s, idleTimeout).toISOString(),
    // This session's device as this request knows it; the others' as their sessions hold it.
    device: s.current ? (device ?? null) : typeof s.data.device === 'string' ? s.data.device : null,
  }));
}

/**
 * An ISO 8601 time as the page shows it, to the minute.
 * @example
 * utcMinute('2026-11-22T05:00:42.000Z'); // '2026-11-22 05:00 UTC'
 */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML content and quoted attribute values.
 * @example
 * escapeHtml('<b>'); // '&lt;b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}section{border:1px solid #ddd;border-radius:8px;padding:.75rem 1rem;margin:1rem 0}
h2{font-size:1rem;margin:.2rem 0 .5rem}form{display:inline-flex;gap:.5rem;margin:.25rem 0}
label{display:inline-flex;gap:.3rem;align-items:center}input{padding:.3rem .5rem}button{padding:.3rem .8rem;cursor:pointer}.flash{background:#eef8ee;border-color:#9c9}
.muted{color:#777}li.current{font-weight:600}`;

function sessionItem(row: SessionRow): string {
  const time = (iso: string): string =>
    `<time datetime="${escapeHtml(iso)}">${escapeHtml(utcMinute(iso))}</time>`;
  const device = row.device === null ? 'another device' : escapeHtml(row.device);
  return `<li class="${row.current ? 'current' : ''}" data-test="session"><span data-test="device">${device}</span>: signed in ${time(row.createdAt)}, last seen ${time(row.lastSeenAt)}${row.current ? ' (this one)' : ''}</li>`;
}

function form(action: string, token: string, label: string, fields = '', test = ''): string {
  return `<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${escapeHtml(token)}">${fields}<button type="submit" data-test="${test}">${label}</button></form>`;
}

/**
 * Renders the demo page from what the demo's page handler read from its session.
 * @example
 * renderPage(state, { framework: 'Express', csrfToken, sessions: null, idleTimeout: 1800 });
 */
export function renderPage(state: DemoState, options: PageOptions): string {
  const base = options.actionBase ?? '/api';
  const token = options.csrfToken;
  const flash = state.flash.length
    ? `<section class="flash" role="status" data-test="flash">${state.flash.map((m) => `<p>${escapeHtml(m)}</p>`).join('')}</section>`
    : '';
  const account = state.user
    ? `<p>Signed in as <strong data-test="user">${escapeHtml(state.user)}</strong></p>${form(`${base}/logout`, token, 'Sign out', '', 'logout')}`
    : `<p data-test="user-none">Not signed in. Demo users: alice / alice-secret, bob / bob-secret.</p>${form(
        `${base}/login`,
        token,
        'Sign in',
        '<label>Username <input name="username" placeholder="username" autocomplete="username" required></label><label>Password <input name="password" type="password" placeholder="password" autocomplete="current-password" required></label>',
        'login',
      )}`;
  const sessions =
    options.sessions === 'unsupported'
      ? '<section><h2>Your active sessions</h2><p class="muted">This store (Memcached) keeps no per-user index, so it cannot list or revoke your sessions.</p></section>'
      : options.sessions
        ? `<section><h2>Your active sessions</h2><ul>${sessionRows(
            options.sessions,
            options.idleTimeout,
            options.device,
          )
            .map(sessionItem)
            .join(
              '',
            )}</ul>${form(`${base}/sessions/revoke-others`, token, 'Sign out other devices', '', 'revoke')}</section>`
        : '';
  const cart = state.cart.length
    ? `<ul data-test="cart">${state.cart.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`
    : '<p class="muted" data-test="cart-empty">Empty.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Cloakroom demo · ${escapeHtml(options.framework)}</title><style>${STYLE}</style></head><body>
<h1>Cloakroom demo · ${escapeHtml(options.framework)}</h1>${flash}
<section><h2>Account</h2>${account}</section>${sessions}
<section><h2>Counter</h2><p>Count: <strong data-test="count">${state.count}</strong></p>${form(`${base}/count`, token, 'Increment', '', 'increment')}</section>
<section><h2>Cart</h2>${cart}${form(`${base}/cart`, token, 'Add', `<label>Item <input name="item" placeholder="item" maxlength="${MAX_ITEM_LENGTH}" required></label>`, 'add')}</section>
<p class="muted">Sessions live in a shared store: sign in here and every other demo instance on the same store sees you.</p>
</body></html>`;
}

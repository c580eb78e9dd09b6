import type { Session } from '@cloakroom/session-core';
import {
  type DemoData,
  DemoError,
  type DemoSessionInfo,
  type DemoState,
  listSessions,
  readState,
} from './actions.ts';

/** What the page shows besides the session state. */
export interface PageOptions {
  /** Framework name shown in the title, e.g. `Express`. */
  readonly framework: string;
  /** The session's CSRF token, carried by every form. */
  readonly csrfToken: string;
  /**
   * The signed-in user's sessions; null when signed out; `'unsupported'` on a store without the per-user
   * index (Memcached).
   */
  readonly sessions: readonly DemoSessionInfo[] | 'unsupported' | null;
  /** Where the forms post; the JSON API routes by default. Next's demo points them at Server Actions. */
  readonly actionBase?: string;
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
input{padding:.3rem .5rem}button{padding:.3rem .8rem;cursor:pointer}.flash{background:#eef8ee;border-color:#9c9}
.muted{color:#777}li.current{font-weight:600}`;

function form(action: string, token: string, label: string, fields = '', test = ''): string {
  return `<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${escapeHtml(token)}">${fields}<button type="submit" data-test="${test}">${label}</button></form>`;
}

/**
 * Renders the demo page from a state already read (the Next demo reads it its own way).
 * @example
 * renderPage(await readState(session), { framework: 'Express', csrfToken, sessions: null });
 */
export function renderPage(state: DemoState, options: PageOptions): string {
  const base = options.actionBase ?? '/api';
  const token = options.csrfToken;
  const flash = state.flash.length
    ? `<section class="flash" data-test="flash">${state.flash.map((m) => `<p>${escapeHtml(m)}</p>`).join('')}</section>`
    : '';
  const account = state.user
    ? `<p>Signed in as <strong data-test="user">${escapeHtml(state.user)}</strong></p>${form(`${base}/logout`, token, 'Sign out', '', 'logout')}`
    : `<p data-test="user-none">Not signed in. Demo users: alice / alice-secret, bob / bob-secret.</p>${form(
        `${base}/login`,
        token,
        'Sign in',
        '<input name="username" placeholder="username" autocomplete="username" required><input name="password" type="password" placeholder="password" autocomplete="current-password" required>',
        'login',
      )}`;
  const sessions =
    options.sessions === 'unsupported'
      ? '<section><h2>Your active sessions</h2><p class="muted">This store (Memcached) keeps no per-user index, so it cannot list or revoke your sessions.</p></section>'
      : options.sessions
        ? `<section><h2>Your active sessions</h2><ul>${options.sessions
            .map(
              (s) =>
                `<li class="${s.current ? 'current' : ''}" data-test="session">Signed in <time datetime="${escapeHtml(s.createdAt)}">${escapeHtml(s.createdAt.slice(0, 16).replace('T', ' '))} UTC</time>${s.current ? ' (this one)' : ''}</li>`,
            )
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
<section><h2>Cart</h2>${cart}${form(`${base}/cart`, token, 'Add', '<input name="item" placeholder="item" maxlength="64" required>', 'add')}</section>
<p class="muted">Sessions live in a shared store: sign in here and every other demo instance on the same store sees you.</p>
</body></html>`;
}

/**
 * Reads what the page shows and renders it: the state (consuming the flash messages), the CSRF token
 * every form carries (created and saved on first use, so the page sets the session cookie), and, when
 * signed in, the user's sessions.
 * @throws SessionStoreError when the store is down (the adapter's error path answers 503).
 * @example
 * app.get('/', async (req, res) => res.type('html').send(await renderDemoPage(req.session, 'Express')));
 */
export async function renderDemoPage(session: Session<DemoData>, framework: string): Promise<string> {
  const [state, csrfToken] = await Promise.all([readState(session), session.csrfToken()]);
  let sessions: PageOptions['sessions'] = null;
  if (state.user !== null) {
    sessions = await listSessions(session).catch((error: unknown) => {
      if (error instanceof DemoError && error.status === 501) return 'unsupported' as const;
      throw error;
    });
  }
  return renderPage(state, { framework, csrfToken, sessions });
}

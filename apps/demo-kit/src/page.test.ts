import { describe, expect, it } from 'vitest';
import { addToCart, login } from './actions.ts';
import { escapeHtml, renderDemoPage, renderPage } from './page.ts';
import { manager, Visitor } from './test/visitor.ts';

const EMPTY = { user: null, count: 0, cart: [], flash: [] };

describe('escapeHtml()', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('renderPage()', () => {
  it('names the framework in the title and puts the token in every form', () => {
    const html = renderPage(EMPTY, { framework: 'Koa', csrfToken: 'tok"en', sessions: null });
    expect(html).toContain('<title>Cloakroom demo · Koa</title>');
    const forms = html.match(/<form /g) ?? [];
    const tokens = html.match(/name="_csrf" value="tok&quot;en"/g) ?? [];
    expect(forms.length).toBe(3); // sign in, increment, add
    expect(tokens.length).toBe(forms.length);
    expect(html).toContain('action="/api/login"');
  });

  it('escapes what users typed', () => {
    const state = { user: 'alice', count: 2, cart: ['<script>alert(1)</script>'], flash: ['<b>hi</b>'] };
    const html = renderPage(state, { framework: 'Hono', csrfToken: 't', sessions: [] });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });

  it('shows the sessions and the revoke form when signed in, or says the store cannot', () => {
    const state = { ...EMPTY, user: 'bob' };
    const listed = renderPage(state, {
      framework: 'Express',
      csrfToken: 't',
      sessions: [{ current: true, createdAt: '2026-11-22T05:00:00.000Z' }],
    });
    expect(listed).toContain('(this one)');
    expect(listed).toContain('action="/api/sessions/revoke-others"');
    expect(listed).toContain('action="/api/logout"');
    const unsupported = renderPage(state, { framework: 'Express', csrfToken: 't', sessions: 'unsupported' });
    expect(unsupported).toContain('cannot list');
    expect(unsupported).not.toContain('revoke-others');
  });

  it('posts to another base when asked (Next’s Server Actions)', () => {
    expect(
      renderPage(EMPTY, { framework: 'Next.js', csrfToken: 't', sessions: null, actionBase: '/actions' }),
    ).toContain('action="/actions/login"');
  });
});

describe('renderDemoPage()', () => {
  it('shows the state once, the sessions when signed in, and saves the token it renders', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    await visitor.request(sessions, (s) => login(s, { username: 'alice', password: 'alice-secret' }));
    await visitor.request(sessions, (s) => addToCart(s, { item: 'fig' }));
    const page = await visitor.request(sessions, (s) => renderDemoPage(s, 'Express'));
    expect(page).toContain('Welcome, alice');
    expect(page).toContain('<li>fig</li>');
    expect(page).toContain('(this one)');
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    expect(await visitor.request(sessions, (s) => s.verifyCsrfToken(token))).toBe(true);
    expect(await visitor.request(sessions, (s) => renderDemoPage(s, 'Express'))).not.toContain(
      'Welcome, alice',
    );
  });

  it('gives a new visitor a session (the token) and no sessions list', async () => {
    const visitor = new Visitor();
    const page = await visitor.request(manager(), (s) => renderDemoPage(s, 'Koa'));
    expect(page).toContain('data-test="user-none"');
    expect(page).not.toContain('Your active sessions');
    expect(visitor.cookie).toMatch(/^session=/);
  });
});

import { createSessionManager, memoryStore, type SessionInfo } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { type DemoData, deviceOf } from './actions.ts';
import { escapeHtml, lastSeen, type PageOptions, renderPage, sessionRows } from './page.ts';
import { SECRET, Visitor } from './test/visitor.ts';

const EMPTY = { user: null, count: 0, cart: [], flash: [] };
const OPTIONS: PageOptions = { framework: 'Koa', csrfToken: 't', sessions: null, idleTimeout: 1800 };
const MINUTE = 60_000;

// The visible inputs (not the hidden _csrf), and those a <label> wraps.
function inputs(html: string): { all: string[]; labelled: string[] } {
  const visible = (tags: string[]) => tags.filter((tag) => !/type="hidden"/.test(tag));
  const labels = html.match(/<label>.*?<\/label>/g) ?? [];
  return {
    all: visible(html.match(/<input [^>]*>/g) ?? []),
    labelled: visible(labels.flatMap((label) => label.match(/<input [^>]*>/g) ?? [])),
  };
}

function info(current: boolean, createdAt: string, expiresAt: string, device?: string): SessionInfo {
  const data = device === undefined ? {} : { device };
  return { id: createdAt, current, createdAt: new Date(createdAt), expiresAt: new Date(expiresAt), data };
}

describe('escapeHtml()', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('renderPage()', () => {
  it('names the framework in the title and puts the token in every form', () => {
    const html = renderPage(EMPTY, { ...OPTIONS, csrfToken: 'tok"en' });
    expect(html).toContain('<title>Cloakroom demo · Koa</title>');
    const forms = html.match(/<form /g) ?? [];
    const tokens = html.match(/name="_csrf" value="tok&quot;en"/g) ?? [];
    expect(forms.length).toBe(3); // sign in, increment, add
    expect(tokens.length).toBe(forms.length);
    expect(html).toContain('action="/api/login"');
  });

  it('gives every input a label, signed out and signed in', () => {
    const signedOut = inputs(renderPage(EMPTY, OPTIONS));
    expect(signedOut.all).toHaveLength(3); // username, password, item
    expect(signedOut.labelled).toEqual(signedOut.all);
    const signedIn = inputs(renderPage({ ...EMPTY, user: 'bob' }, { ...OPTIONS, sessions: [] }));
    expect(signedIn.all).toHaveLength(1); // item
    expect(signedIn.labelled).toEqual(signedIn.all);
  });

  it('announces the flash messages as a status (role="status")', () => {
    const html = renderPage({ ...EMPTY, flash: ['Welcome, bob'] }, OPTIONS);
    expect(html).toMatch(/<section [^>]*role="status"[^>]*><p>Welcome, bob<\/p><\/section>/);
    expect(renderPage(EMPTY, OPTIONS)).not.toContain('role="status"');
  });

  it('escapes what users typed', () => {
    const state = { user: 'alice', count: 2, cart: ['<script>alert(1)</script>'], flash: ['<b>hi</b>'] };
    const html = renderPage(state, {
      ...OPTIONS,
      sessions: [info(true, '2026-11-22T05:00:00.000Z', '2026-11-22T05:30:00.000Z')],
      device: '<img src=x onerror=alert(1)>',
    });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });

  it('lists the sessions with their device and last-seen time, and the revoke form', () => {
    const listed = renderPage(
      { ...EMPTY, user: 'bob' },
      {
        ...OPTIONS,
        sessions: [
          info(false, '2026-11-22T05:00:00.000Z', '2026-11-22T05:50:00.000Z'),
          info(true, '2026-11-22T05:10:00.000Z', '2026-11-22T06:15:00.000Z'),
          info(false, '2026-11-22T05:20:00.000Z', '2026-11-22T06:10:00.000Z', 'Phone <Safari>'),
        ],
        device: 'Mozilla/5.0 Firefox/133.0',
      },
    );
    const items = listed.match(/<li [^>]*data-test="session">.*?<\/li>/g) ?? [];
    expect(items).toHaveLength(3);
    expect(items[0], 'a session signed in before devices were kept').toContain('another device');
    expect(items[2], "another session's own device, escaped").toContain(
      '<span data-test="device">Phone &lt;Safari&gt;</span>',
    );
    expect(items[0]).toContain(
      'signed in <time datetime="2026-11-22T05:00:00.000Z">2026-11-22 05:00 UTC</time>',
    );
    expect(items[0]).toContain(
      'last seen <time datetime="2026-11-22T05:20:00.000Z">2026-11-22 05:20 UTC</time>',
    );
    expect(items[1]).toContain('<span data-test="device">Mozilla/5.0 Firefox/133.0</span>');
    expect(items[1]).toContain('last seen <time datetime="2026-11-22T05:45:00.000Z">');
    expect(items[1]).toContain('(this one)');
    expect(listed).toContain('action="/api/sessions/revoke-others"');
    expect(listed).toContain('action="/api/logout"');
    const unsupported = renderPage({ ...EMPTY, user: 'bob' }, { ...OPTIONS, sessions: 'unsupported' });
    expect(unsupported).toContain('cannot list');
    expect(unsupported).not.toContain('revoke-others');
  });

  it('posts to another base when asked (Next’s Server Actions)', () => {
    expect(renderPage(EMPTY, { ...OPTIONS, actionBase: '/actions' })).toContain('action="/actions/login"');
  });
});

describe('lastSeen()', () => {
  it('is the expiry minus the idle timeout, never before the creation', () => {
    const created = new Date('2026-11-22T05:00:00.000Z');
    const at = (iso: string) =>
      lastSeen({ createdAt: created, expiresAt: new Date(iso) }, 1800).toISOString();
    expect(at('2026-11-22T06:00:00.000Z')).toBe('2026-11-22T05:30:00.000Z');
    expect(at('2026-11-22T05:20:00.000Z')).toBe('2026-11-22T05:00:00.000Z');
  });
});

describe('sessionRows() over core’s listSessions()', () => {
  it('shows when each session was last used, from the expiry the store keeps, and each one’s device', async () => {
    let now = Date.parse('2026-11-22T05:00:00.000Z');
    const clock = () => now;
    const sessions = createSessionManager<DemoData>({
      store: memoryStore({ warn: false, now: clock }),
      secret: SECRET,
      cookie: { secure: false },
      idleTimeout: 1800,
      now: clock,
    });
    const [phone, laptop] = [new Visitor(), new Visitor()];
    for (const [visitor, agent] of [
      [phone, 'Phone/1.0'],
      [laptop, 'Laptop/2.0'],
    ] as const) {
      await visitor.request(sessions, async (s) => {
        s.regenerate();
        s.setUser('alice');
        s.set('device', deviceOf(agent));
      });
      now += MINUTE;
    }
    now += 8 * MINUTE; // 05:10, past the touch interval (idle / 10): the phone's read slides its expiry
    await phone.request(sessions, (s) => s.get('count'));
    now += 5 * MINUTE;
    const rows = await laptop.request(sessions, async (s) =>
      sessionRows(await s.listSessions(), 1800, await s.get('device')),
    );
    expect(rows).toEqual([
      {
        current: false,
        createdAt: '2026-11-22T05:00:00.000Z',
        lastSeenAt: '2026-11-22T05:10:00.000Z',
        device: 'Phone/1.0',
      },
      {
        current: true,
        createdAt: '2026-11-22T05:01:00.000Z',
        lastSeenAt: '2026-11-22T05:01:00.000Z',
        device: 'Laptop/2.0',
      },
    ]);
  });
});

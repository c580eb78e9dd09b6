import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSetCookie, scenarioOptions } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startApp } from '../src/testing/app-server.ts';

// Real Server Actions, posted the way a form does before JavaScript loads: multipart, with the action id
// in a `$ACTION_ID_<id>` field (ids come from the build's server-reference manifest).

let app: AppServer;
const NAME = scenarioOptions.cookie.name;

function actionId(name: string): string {
  const path = fileURLToPath(
    new URL('../test-app/.next/server/server-reference-manifest.json', import.meta.url),
  );
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
    node: Record<string, { exportedName?: string; filename?: string }>;
  };
  const found = Object.entries(manifest.node).find(
    ([, entry]) => entry.exportedName === name && entry.filename?.endsWith('app/cart/actions.ts'),
  );
  if (found === undefined) throw new Error(`no Server Action ${name} in the build's manifest`);
  return found[0];
}

async function post(
  name: string,
  fields: Record<string, string>,
  init: { cookie?: string; origin?: string } = {},
) {
  const form = new FormData();
  form.set(`$ACTION_ID_${actionId(name)}`, '');
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  const headers = new Headers({ origin: init.origin ?? app.baseUrl });
  if (init.cookie !== undefined) headers.set('cookie', `${NAME}=${init.cookie}`);
  const response = await fetch(`${app.baseUrl}/cart`, {
    method: 'POST',
    body: form,
    headers,
    redirect: 'manual',
  });
  const body = await response.text();
  const cookies = response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter((cookie) => cookie.name === NAME);
  return { status: response.status, headers: response.headers, body, cookies };
}

async function page(cookie: string): Promise<string> {
  const response = await fetch(`${app.baseUrl}/cart`, { headers: { cookie: `${NAME}=${cookie}` } });
  return response.text();
}

function text(html: string, id: string): string {
  return (new RegExp(`id="${id}">([^<]*)<`).exec(html)?.[1] ?? '').replaceAll('&quot;', '"');
}

beforeAll(async () => {
  app = await startApp({ TEST_APP_STORE: 'memory' });
});

afterAll(async () => {
  await app?.close();
});

describe('Server Actions', () => {
  it('action(): the write is committed through cookies(), and the render after the action sees it', async () => {
    const first = await post('addFromForm', { item: 'tea' });
    expect(first.status).toBe(200);
    expect(first.cookies).toHaveLength(1);
    expect(JSON.parse(text(first.body, 'cart'))).toEqual(['tea']);
    const cookie = first.cookies[0]!.value;
    const second = await post('addFromForm', { item: 'milk' }, { cookie });
    expect(JSON.parse(text(second.body, 'cart'))).toEqual(['tea', 'milk']);
    expect(JSON.parse(text(await page(cookie), 'cart'))).toEqual(['tea', 'milk']);
  });

  it('action() commits before a redirect() thrown in the action', async () => {
    const sent = await post('addFromForm', { item: 'jam', next: 'redirect' });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/cart');
    expect(sent.cookies).toHaveLength(1);
    expect(JSON.parse(text(await page(sent.cookies[0]!.value), 'cart'))).toEqual(['jam']);
  });

  it('an inline action: regenerate(), save(), then redirect() — the new cookie rides on the redirect', async () => {
    const before = (await post('addFromForm', { item: 'kept' })).cookies[0]!.value;
    const sent = await post('signIn', { user: 'ada' }, { cookie: before });
    expect(sent.status).toBe(303);
    const after = sent.cookies[0]!.value;
    expect(after.split('.')[0]).not.toBe(before.split('.')[0]);
    const html = await page(after);
    expect(text(html, 'user')).toBe('ada');
    expect(JSON.parse(text(html, 'cart'))).toEqual(['kept']);
    expect(text(await page(before), 'user'), 'the pre-login cookie is dead').toBe('');
  });

  it("Next's own Origin check refuses a cross-site post before the action runs", async () => {
    const cookie = (await post('addFromForm', { item: 'mine' })).cookies[0]!.value;
    const forged = await post('addFromForm', { item: 'evil' }, { cookie, origin: 'https://evil.example' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.cookies).toEqual([]);
    expect(JSON.parse(text(await page(cookie), 'cart'))).toEqual(['mine']);
  });
});

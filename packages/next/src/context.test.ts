import { SessionError, SessionStoreError } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { answerable, controlFlowStatus, errorResponse } from './context.ts';

describe('controlFlowStatus()', () => {
  it("reads the status of Next's redirect and HTTP fallback errors, and nothing else", () => {
    expect(controlFlowStatus({ digest: 'NEXT_REDIRECT;replace;/a;307;' })).toBe(307);
    expect(controlFlowStatus({ digest: 'NEXT_REDIRECT;push;/a?b=c;d;308;' })).toBe(308);
    expect(controlFlowStatus({ digest: 'NEXT_HTTP_ERROR_FALLBACK;404' })).toBe(404);
    expect(controlFlowStatus({ digest: 'NEXT_HTTP_ERROR_FALLBACK;401' })).toBe(401);
    expect(controlFlowStatus({ digest: 'DYNAMIC_SERVER_USAGE' })).toBeNull();
    expect(controlFlowStatus(new Error('boom'))).toBeNull();
    expect(controlFlowStatus(null)).toBeNull();
  });
});

describe('answerable()', () => {
  it('picks store failures and client errors, by shape', () => {
    const store = SessionStoreError.from('get', new Error('ECONNREFUSED 10.0.0.1:6379'));
    expect(answerable(store)).toBe(store);
    const csrf = new SessionError('SESSION_CSRF', 'no', { status: 403 });
    expect(answerable(csrf)).toBe(csrf);
    const copy = { code: 'SESSION_STORE', status: 503, message: 'from another copy of core' };
    expect(answerable(copy)).toBe(copy);
    expect(answerable(new SessionError('SESSION_PAYLOAD_TOO_LARGE', 'big'))).toBeNull();
    expect(answerable(new Error('boom'))).toBeNull();
  });
});

describe('errorResponse()', () => {
  it('shows the status text of a store failure, never its message or cause', async () => {
    const response = errorResponse(SessionStoreError.from('get', new Error('ECONNREFUSED 10.0.0.1:6379')));
    expect(response.status).toBe(503);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(await response.text()).toBe('{"error":"Service Unavailable"}');
  });
});

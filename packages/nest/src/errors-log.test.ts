// One line per failure: a store failure was already reported by the session manager's onEvent, so the
// module's own logger stays quiet about it and logs only the faults nothing else reported.
import { SessionError, SessionStoreError } from '@cloakroom/session-core';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { logFailure } from './errors.ts';

function captureLogs(): string[] {
  const lines: string[] = [];
  const record = (message: unknown) => {
    lines.push(String(message));
  };
  const sink: LoggerService = { log: record, error: record, warn: record, debug: record, verbose: record };
  Logger.overrideLogger(sink);
  return lines;
}

describe('logFailure', () => {
  afterEach(() => {
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('logs nothing for a store failure (onEvent reported it)', () => {
    const lines = captureLogs();
    logFailure(new SessionStoreError('get', 'Session store get failed', new Error('ECONNREFUSED')));
    expect(lines).toEqual([]);
  });

  it('logs a server-side session fault once, with its code', () => {
    const lines = captureLogs();
    logFailure(new SessionError('SESSION_CONFLICT', 'Kept conflicting.', { status: 503 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SESSION_CONFLICT');
  });

  it('logs nothing for a client error', () => {
    const lines = captureLogs();
    logFailure(new SessionError('SESSION_CSRF', 'Refused.', { status: 403 }));
    expect(lines).toEqual([]);
  });
});

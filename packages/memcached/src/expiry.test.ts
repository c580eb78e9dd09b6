import { describe, expect, it } from 'vitest';
import { exptime, RELATIVE_LIMIT_SECONDS } from './expiry.ts';

const now = Date.UTC(2026, 10, 22, 4, 0, 0);
const DAY = 86_400_000;

describe('exptime()', () => {
  it('sends up to 30 days as seconds from now, rounded up', () => {
    expect(exptime(now + 1, now)).toBe(1);
    expect(exptime(now + 1000, now)).toBe(1);
    expect(exptime(now + 1001, now)).toBe(2);
    expect(exptime(now + 30 * DAY, now)).toBe(RELATIVE_LIMIT_SECONDS);
  });

  it('sends more than 30 days as an absolute Unix time', () => {
    expect(exptime(now + 30 * DAY + 1000, now)).toBe((now + 30 * DAY + 1000) / 1000);
    expect(exptime(now + 45 * DAY + 1, now)).toBe(Math.ceil((now + 45 * DAY + 1) / 1000));
  });

  it('never sends 0 (forever): an expiry now or past is -1', () => {
    expect(exptime(now, now)).toBe(-1);
    expect(exptime(now - 5000, now)).toBe(-1);
    expect(exptime(Number.NaN, now)).toBe(-1);
  });
});

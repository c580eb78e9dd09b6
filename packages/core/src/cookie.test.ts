import { describe, expect, it } from 'vitest';
import { cookieValues, type ScanMeter } from './cookie.ts';
import { cookiePair, setup, write } from './test-harness.ts';

describe('cookieValues()', () => {
  it('trims SP and HTAB around names and values, nothing else', () => {
    expect(cookieValues(' \tsid = a ;sid=b;\tsid\t=\tc\t', 'sid', 10)).toEqual(['a', 'b', 'c']);
  });

  it('never treats a name behind a Unicode space (U+00A0, U+2000, U+FEFF) as ours', () => {
    for (const space of ['\u00a0', '\u2000', '\u3000', '\ufeff', '\u000b', '\u000c']) {
      expect(
        cookieValues(`${space}__Host-session=planted`, '__Host-session', 4),
        JSON.stringify(space),
      ).toEqual([]);
      expect(cookieValues(`__Host-session${space}=planted`, '__Host-session', 4)).toEqual([]);
    }
  });

  it('skips segments without a value and stops at the limit', () => {
    expect(cookieValues('sid;x;sid=1;=;sid=2;sid=3', 'sid', 2)).toEqual(['1', '2']);
    expect(cookieValues('', 'sid', 2)).toEqual([]);
    expect(cookieValues('sid=', 'sid', 2)).toEqual(['']);
  });

  // Issue 14 item 8: `indexOf('=')` from every segment made a header of `;` or `a;` quadratic.
  it.each([
    ['";" × 1 MiB', ';'.repeat(1 << 20)],
    ['"a;" × 512 Ki', 'a;'.repeat(1 << 19)],
    ['"a=b;" and blanks', ' a = b ;'.repeat(1 << 17)],
    ['our name, many times', 'sid=v;'.repeat(1 << 17)],
  ])('looks at each character at most twice: %s', (_, header) => {
    const meter: ScanMeter = { steps: 0 };
    cookieValues(header, 'sid', Number.POSITIVE_INFINITY, meter);
    expect(meter.steps).toBeGreaterThan(header.length / 2);
    expect(meter.steps).toBeLessThanOrEqual(2 * header.length);
  });
});

describe('the session cookie behind a Unicode space', () => {
  it('a valid signed cookie under an NBSP-prefixed name is no session', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 1));
    const pair = cookiePair(`${cookie}`);
    const handle = h.manager.open({ cookie: `\u00a0${pair}`, secure: true });
    expect(await handle.session.exists()).toBe(false);
    const proper = h.manager.open({ cookie: ` \t${pair}`, secure: true });
    expect(await proper.session.exists()).toBe(true);
  });
});

import { type SetCookie, stringifySetCookie } from 'cookie';
import { configError } from './errors.ts';

/** Cookie options. Defaults follow the OWASP Session Management Cheat Sheet. */
export interface CookieOptions {
  /**
   * Cookie name. Never URL-decoded when read.
   * @default '__Host-session' when `secure` is `true`, `path` is `/` and no `domain` is set; else 'session'
   */
  name?: string;
  /** `Domain` attribute. Leave unset to keep the cookie on the exact host (safer). */
  domain?: string;
  /** @default '/' */
  path?: string;
  /**
   * `Secure` attribute. `'auto'` sets it when the adapter sees a secure request (behind a proxy only when
   * the adapter is told to trust it).
   * @default true
   */
  secure?: boolean | 'auto';
  /** @default true */
  httpOnly?: boolean;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /** CHIPS `Partitioned` attribute; requires `secure: true`. @default false */
  partitioned?: boolean;
  /**
   * Cookie lifetime in seconds, or `'session'` for a browser-session cookie (no `Max-Age`). By default
   * the cookie follows the idle timeout and is refreshed with each touch, never beyond the absolute
   * timeout. A number above the absolute timeout is refused.
   */
  maxAge?: number | 'session';
}

export interface ResolvedCookieOptions {
  readonly name: string;
  readonly domain: string | undefined;
  readonly path: string;
  readonly secure: boolean | 'auto';
  readonly httpOnly: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly partitioned: boolean;
  readonly maxAge: number | 'session' | 'idle';
}

// RFC 6265 section 4.1.1 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Attribute values: printable ASCII without `;` (RFC 6265bis; cookie CVE-2024-47764, hono CVE-2026-29086).
const ATTRIBUTE = /^[\x21-\x3a\x3c-\x7e]+$/;

export function resolveCookieOptions(options: CookieOptions, absoluteTimeout: number): ResolvedCookieOptions {
  const path = options.path ?? '/';
  const secure = options.secure ?? true;
  const sameSite = options.sameSite ?? 'lax';
  const domain = options.domain;
  const name =
    options.name ?? (secure === true && path === '/' && domain === undefined ? '__Host-session' : 'session');
  if (!TOKEN.test(name)) {
    throw configError(
      `cookie.name ${JSON.stringify(name)} is not a valid cookie name; use letters, digits and - _ .`,
    );
  }
  if (!ATTRIBUTE.test(path) || !path.startsWith('/')) {
    throw configError('cookie.path must start with / and contain no ; or control characters.');
  }
  if (domain !== undefined && (!ATTRIBUTE.test(domain) || !/^[a-z0-9.-]+$/i.test(domain))) {
    throw configError('cookie.domain must be a host name (letters, digits, dots and dashes).');
  }
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw configError("cookie.sameSite must be 'lax', 'strict' or 'none'.");
  }
  if (name.startsWith('__Host-') && (secure !== true || path !== '/' || domain !== undefined)) {
    throw configError(
      'a __Host- cookie needs secure: true, path: "/" and no domain; change the name or those options.',
    );
  }
  if (name.startsWith('__Secure-') && secure !== true) {
    throw configError('a __Secure- cookie needs secure: true.');
  }
  if (sameSite === 'none' && secure !== true) {
    throw configError("cookie.sameSite 'none' needs secure: true (browsers reject it otherwise).");
  }
  if (options.partitioned === true && secure !== true) {
    throw configError('cookie.partitioned needs secure: true.');
  }
  const maxAge = options.maxAge ?? 'idle';
  if (typeof maxAge === 'number') {
    if (!Number.isInteger(maxAge) || maxAge <= 0)
      throw configError('cookie.maxAge must be a positive whole number of seconds.');
    if (maxAge > absoluteTimeout) {
      throw configError(
        `cookie.maxAge (${maxAge}s) outlives absoluteTimeout (${absoluteTimeout}s); lower it or raise absoluteTimeout.`,
      );
    }
  } else if (maxAge !== 'idle' && maxAge !== 'session') {
    throw configError("cookie.maxAge must be a number of seconds or 'session'.");
  }
  return {
    name,
    domain,
    path,
    secure,
    httpOnly: options.httpOnly ?? true,
    sameSite,
    partitioned: options.partitioned ?? false,
    maxAge,
  };
}

/** A test-only meter: {@link cookieValues} counts every character it looks at. */
export interface ScanMeter {
  steps: number;
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
/** RFC 6265 section 5.2 trims only SP and HTAB around names and values, never Unicode spaces. */
const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * Every value of our cookie in a `Cookie` header, in order, at most `limit`.
 * `cookie.parseCookie` keeps one value per name; detecting cookie tossing needs all of them. Names are
 * compared as sent, never URL-decoded, after trimming SP and HTAB only (JavaScript's `trim()` would also
 * strip U+00A0 and let a sibling subdomain's `\u00a0__Host-session` pass for the `__Host-` cookie).
 * One forward pass: every character is looked at a bounded number of times (at most twice), so a
 * hostile header of `;` or `a;` costs linear time.
 */
export function cookieValues(header: string, name: string, limit: number, meter?: ScanMeter): string[] {
  const values: string[] = [];
  const length = header.length;
  let steps = 0;
  let i = 0;
  while (i < length && values.length < limit) {
    // Name: from the first non-blank character to `=` (or to the segment's end: no value, skipped).
    while (i < length && isBlank(header.charCodeAt(i))) {
      i++;
      steps++;
    }
    const nameStart = i;
    let code = 0;
    while (i < length) {
      code = header.charCodeAt(i);
      steps++;
      if (code === EQUALS || code === SEMICOLON) break;
      i++;
    }
    if (i >= length || code === SEMICOLON) {
      i++;
      continue;
    }
    let nameEnd = i;
    while (nameEnd > nameStart && isBlank(header.charCodeAt(nameEnd - 1))) {
      nameEnd--;
      steps++;
    }
    i++; // past `=`
    let valueStart = i;
    while (i < length && header.charCodeAt(i) !== SEMICOLON) {
      i++;
      steps++;
    }
    if (nameEnd - nameStart === name.length && header.startsWith(name, nameStart)) {
      steps += name.length;
      let valueEnd = i;
      while (valueStart < valueEnd && isBlank(header.charCodeAt(valueStart))) {
        valueStart++;
        steps++;
      }
      while (valueEnd > valueStart && isBlank(header.charCodeAt(valueEnd - 1))) {
        valueEnd--;
        steps++;
      }
      values.push(header.slice(valueStart, valueEnd));
    }
    i++; // past `;`
  }
  if (meter) meter.steps += steps;
  return values;
}

/** Serializes our `Set-Cookie`. `maxAge` in seconds; `0` expires the cookie; `undefined` for a browser-session cookie. */
export function serializeCookie(
  options: ResolvedCookieOptions,
  value: string,
  maxAge: number | undefined,
  secureRequest: boolean,
): string {
  const cookie: SetCookie = {
    name: options.name,
    value,
    path: options.path,
    httpOnly: options.httpOnly,
    secure: options.secure === 'auto' ? secureRequest : options.secure,
    sameSite: options.sameSite,
    partitioned: options.partitioned,
  };
  if (options.domain !== undefined) cookie.domain = options.domain;
  if (maxAge !== undefined) {
    cookie.maxAge = maxAge;
    if (maxAge === 0) cookie.expires = new Date(0);
  }
  return stringifySetCookie(cookie);
}

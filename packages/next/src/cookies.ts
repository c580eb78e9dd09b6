/**
 * Translating core's `Set-Cookie` string for Next's `cookies()` API, the only way a Server Action or a
 * redirect thrown from a Route Handler can reach the response head.
 */

/** The cookie as Next's `cookies().set(options)` takes it. */
export interface NextCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
}

/**
 * Parses the `Set-Cookie` value core produced into the attributes Next's cookie jar writes back.
 * Next serializes it again with the same attributes; it adds an `Expires` equal to now + `Max-Age` for a
 * positive `Max-Age` (RFC 6265 section 5.3 lets `Max-Age` win, so the lifetime is unchanged) and writes
 * the `SameSite` value in lower case (attribute values are case-insensitive, RFC 6265bis section 5.6.7).
 * @throws Error when the string is not a cookie (core never produces one).
 */
export function parseSetCookie(header: string): NextCookie {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new Error('@cloakroom/session-next: not a Set-Cookie value.');
  const cookie: NextCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
  for (const attribute of attributes) {
    const index = attribute.indexOf('=');
    const key = (index === -1 ? attribute : attribute.slice(0, index)).trim().toLowerCase();
    const value = index === -1 ? '' : attribute.slice(index + 1).trim();
    switch (key) {
      case 'path':
        cookie.path = value;
        break;
      case 'domain':
        cookie.domain = value;
        break;
      case 'max-age':
        cookie.maxAge = Number(value);
        break;
      case 'expires':
        cookie.expires = new Date(value);
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'secure':
        cookie.secure = true;
        break;
      case 'samesite': {
        const sameSite = value.toLowerCase();
        if (sameSite === 'lax' || sameSite === 'strict' || sameSite === 'none') cookie.sameSite = sameSite;
        break;
      }
      case 'partitioned':
        cookie.partitioned = true;
        break;
    }
  }
  return cookie;
}

const isSpOrHtab = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * Whether `text[start, end)` is `name` with only SP and HTAB around it. RFC 6265 section 5.2 trims just
 * those: JavaScript's `trim()` also drops U+00A0 and other Unicode spaces, which would let a sibling
 * subdomain's `\u00a0__Host-session` cookie pass for the `__Host-` one.
 */
function isName(text: string, start: number, end: number, name: string): boolean {
  while (start < end && isSpOrHtab(text.charCodeAt(start))) start++;
  while (end > start && isSpOrHtab(text.charCodeAt(end - 1))) end--;
  return end - start === name.length && text.startsWith(name, start);
}

/**
 * Whether a `Cookie` header holds a cookie of this name, without verifying anything: the proxy uses it
 * to leave cookie-less requests alone before any crypto or store call. Names are compared as sent
 * (never decoded), with only SP and HTAB trimmed around them.
 */
export function hasCookie(header: string | null | undefined, name: string): boolean {
  if (!header) return false;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && isName(part, 0, eq, name)) return true;
  }
  return false;
}

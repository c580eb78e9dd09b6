/**
 * A browser's cookie jar, enough for these flows: it keeps `name=value` from each `Set-Cookie` and drops
 * a cookie that is cleared (empty value, `Max-Age=0` or an `Expires` in the past). It ignores `Secure`,
 * as a browser does on `http://localhost`.
 */
export class Browser {
  readonly jar = new Map<string, string>();
  /** The cookie names the last response set or cleared. */
  lastSetCookies: string[] = [];

  constructor(readonly url: string) {}

  async request(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: unknown }> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(path, this.url), {
      method,
      headers: cookie ? { cookie } : {},
      redirect: 'manual',
    });
    this.lastSetCookies = [];
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      this.lastSetCookies.push(name);
      const cleared =
        value === '' ||
        attributes.some((attribute) => /^max-age=0$/i.test(attribute)) ||
        attributes.some(
          (attribute) => /^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) <= Date.now(),
        );
      if (cleared) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** Another browser holding a copy of this one's cookies (a stolen or replayed cookie), on `url`. */
  copy(url: string = this.url): Browser {
    const other = new Browser(url);
    for (const [name, value] of this.jar) other.jar.set(name, value);
    return other;
  }
}

/**
 * A server address as the demos log it: scheme, host, port and path, without the user name, password or
 * query that a connection URL may carry (`redis://:hunter2@cache:6379/0` logs as `redis://cache:6379/0`),
 * so an error line never leaks a credential into logs. A value that is not a URL logs as `host:port`
 * pairs only, or `(unparsable address)`.
 * @example
 * console.error(`demo: redis at ${logTarget(config.redisUrl)}: ${error.message}`);
 */
export function logTarget(address: string): string {
  const unparsable = '(unparsable address)';
  if (!address.includes('://')) {
    // `host:port` pairs (Memcached), perhaps with `user:password@` before each.
    const pairs = address.split(',').map((part) => part.trim().split('@').pop() ?? '');
    return pairs.every((pair) => /^[\w.-]+(?::\d+)?$/.test(pair)) ? pairs.join(',') : unparsable;
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return unparsable;
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.host}${path}`;
}

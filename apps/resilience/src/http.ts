// HTTP from the tests' side: raw bytes over a socket, for headers no HTTP client would send. The
// cookie-keeping client is the kit's CookieClient (@cloakroom/session-adapter-test).
import { connect } from 'node:net';

/** What a raw request observed. */
export interface RawResponse {
  /** The status code, or 0 when the server closed the connection without answering. */
  readonly status: number;
  /** The whole answer as latin1 text (head and body). */
  readonly text: string;
}

/**
 * Sends `GET <path>` with `Cookie: <cookie bytes>` on a fresh connection, byte for byte (CR and LF are
 * replaced by spaces so the cookie stays one header), and resolves what came back before the server
 * closed. A reset after an answer started still resolves that answer.
 * @throws Error when the server does not answer or close within `timeoutMs`.
 */
export function rawCookieRequest(
  port: number,
  path: string,
  cookie: Uint8Array,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const safe = Buffer.from(cookie.map((byte) => (byte === 13 || byte === 10 ? 32 : byte)));
  const head = Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nCookie: `, 'latin1'),
    safe,
    Buffer.from('\r\n\r\n', 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, text });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to a ${head.length}-byte request`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish); // EPIPE/ECONNRESET once the server gave up on a huge head
    socket.on('connect', () => socket.end(head));
  });
}

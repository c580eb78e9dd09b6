import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { checkOrigin } from '@cloakroom/session-core';

const GATED = Symbol.for('@cloakroom/session-nest:handshake-origin');

const REFUSAL = JSON.stringify({
  message: 'Cross-site request refused.',
  error: 'Forbidden',
  statusCode: 403,
});

type Listener = (...args: unknown[]) => void;

/**
 * Whether a WebSocket or Engine.IO handshake comes from the app's own origin (or an allowed one). A
 * browser always sends `Origin` on these handshakes; a client that sends neither `Origin` nor
 * `Sec-Fetch-Site` is not a browser and has no ambient cookies to abuse.
 * The app's origin is the request's `Host` with `https`, or `http` on a plain connection (behind a
 * TLS-terminating proxy the connection is plain, and the page is https).
 */
function fromOwnOrigin(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const host = request.headers.host ?? '';
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
  const origin = request.headers.origin;
  const secFetchSite = request.headers['sec-fetch-site'];
  const allowed = encrypted ? allowedOrigins : [...allowedOrigins, `http://${host}`];
  // A handshake opens a channel that carries the visitor's session: checked as an unsafe request.
  return checkOrigin(
    { method: 'POST', origin, secFetchSite, selfOrigin: `https://${host}`, requireToken: false },
    { allowedOrigins: allowed },
  );
}

/** Engine.IO (Socket.IO) requests, polling handshakes included, carry the protocol version as `EIO`. */
function isEngineIo(request: IncomingMessage): boolean {
  const url = request.url;
  // Every request of the app passes here: a substring test first, the query parsed only for a candidate.
  if (url === undefined || !url.includes('EIO=')) return false;
  const query = url.split('?', 2)[1];
  return query !== undefined && new URLSearchParams(query).has('EIO');
}

function refuseUpgrade(socket: Duplex): void {
  socket.end(
    'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(REFUSAL)}\r\n\r\n${REFUSAL}`,
  );
}

function refuseRequest(response: ServerResponse): void {
  response.writeHead(403, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  response.end(REFUSAL);
}

/** Puts one listener in front of the ones already registered for the event, which it calls unless it refused. */
function gate(
  server: Server,
  event: 'upgrade' | 'request',
  refuses: (request: IncomingMessage, target: unknown) => boolean,
): void {
  const listeners = server.listeners(event) as Listener[];
  // Without an `upgrade` listener Node closes the socket; a listener of ours alone would leave it hanging.
  if (listeners.length === 0) return;
  server.removeAllListeners(event);
  server.on(event, (...args: unknown[]) => {
    if (refuses(args[0] as IncomingMessage, args[1])) return;
    for (const listener of listeners) listener.apply(server, args);
  });
}

/**
 * Refuses cross-site WebSocket handshakes on the application's HTTP server: every `upgrade` (whatever
 * WebSocket library answers it) and every Engine.IO request (Socket.IO's long-polling handshake) from a
 * foreign `Origin` gets 403 before a gateway sees it, so a page on another site cannot open a socket
 * that carries the visitor's session cookie (cross-site WebSocket hijacking; SameSite=Lax does not stop
 * it from a sibling subdomain). Wraps the listeners registered so far, so it runs after Nest attached
 * its gateways; a gateway on its own port has its own server and is not covered.
 * @internal Applied by {@link SessionModule} when `csrf` is on.
 */
export function gateHandshakes(server: Server, allowedOrigins: readonly string[]): void {
  const marked = server as Server & { [GATED]?: true };
  if (marked[GATED]) return;
  marked[GATED] = true;
  gate(server, 'upgrade', (request, socket) => {
    if (fromOwnOrigin(request, allowedOrigins)) return false;
    refuseUpgrade(socket as Duplex);
    return true;
  });
  gate(server, 'request', (request, response) => {
    if (!isEngineIo(request) || fromOwnOrigin(request, allowedOrigins)) return false;
    refuseRequest(response as ServerResponse);
    return true;
  });
}

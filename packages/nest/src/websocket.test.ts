// The WebSocket recipe of the README, run for real: a Socket.IO gateway reads the session read-only
// from the upgrade request's cookie, on both HTTP platforms.
import 'reflect-metadata';
import { memoryStore } from '@cloakroom/session-core';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { type OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { type Socket as ClientSocket, io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionModuleOptions } from './options.ts';
import { Session } from './session-decorator.ts';
import { SessionModule } from './session-module.ts';
import { SessionService } from './session-service.ts';
import { send } from './testing/http.ts';
import { type Platform, type RunningApp, startApp } from './testing/scenario-app.ts';

@WebSocketGateway()
class ChatGateway implements OnGatewayConnection {
  constructor(private readonly sessions: SessionService) {}

  async handleConnection(client: Socket): Promise<void> {
    const user = await this.sessions.readOnly(client.handshake.headers.cookie).getUser();
    if (user === null) {
      client.disconnect(true);
      return;
    }
    client.data.user = user;
    client.emit('welcome', user);
  }

  @SubscribeMessage('whoami')
  whoami(client: Socket): string {
    return client.data.user as string;
  }
}

@Controller()
class LoginController {
  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session, @Body() body: { user: string }): { ok: true } {
    session.setUser(body.user);
    session.regenerate();
    return { ok: true };
  }
}

let running: RunningApp | undefined;
const clients: ClientSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await running?.close();
  running = undefined;
});

function startChat(platform: Platform, csrf: SessionModuleOptions['csrf'] = false): Promise<RunningApp> {
  return startApp(platform, {
    imports: [
      SessionModule.forRoot({
        store: memoryStore({ warn: false }),
        secret: 'websocket-test-secret-0123456789abcdefghij',
        cookie: { name: 'sid', secure: false },
        csrf,
      }),
    ],
    controllers: [LoginController],
    providers: [ChatGateway],
  });
}

function nextEvent(client: ClientSocket, event: string): Promise<unknown> {
  return new Promise((resolve) => {
    client.once(event, (value: unknown) => resolve(value));
  });
}

function connect(baseUrl: string, cookie?: string): ClientSocket {
  const client = io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    ...(cookie === undefined ? {} : { extraHeaders: { cookie } }),
  });
  clients.push(client);
  return client;
}

describe.each(['express', 'fastify'] as const)('a Socket.IO gateway on %s', (platform) => {
  it('reads the signed-in user from the handshake cookie and refuses a connection without one', async () => {
    running = await startChat(platform);
    const login = await send(running.baseUrl, '/login', { json: { user: 'ada' } });
    const cookie = login.cookie('sid');
    expect(cookie).toBeDefined();

    const signedIn = connect(running.baseUrl, cookie);
    expect(await nextEvent(signedIn, 'welcome')).toBe('ada');
    expect(await signedIn.emitWithAck('whoami')).toBe('ada');

    const anonymous = connect(running.baseUrl);
    expect(await nextEvent(anonymous, 'disconnect')).toBe('io server disconnect');
  });
});

function connectError(client: ClientSocket): Promise<string> {
  return new Promise((resolve) => {
    client.once('connect_error', (error: Error) => resolve(error.message));
  });
}

describe.each(['express', 'fastify'] as const)('Socket.IO handshakes with csrf on %s', (platform) => {
  it.each(['websocket', 'polling'] as const)(
    'refuses a %s handshake from a foreign Origin and accepts a same-origin one',
    async (transport) => {
      running = await startChat(platform, { allowedOrigins: ['https://admin.example'] });
      const baseUrl = running.baseUrl;
      const login = await send(baseUrl, '/login', { json: { user: 'ada' }, headers: { origin: baseUrl } });
      const cookie = login.cookie('sid');
      expect(cookie, login.body).toBeDefined();
      const open = (origin: string): ClientSocket => {
        const client = io(baseUrl, {
          transports: [transport],
          reconnection: false,
          extraHeaders: { cookie: cookie!, origin },
        });
        clients.push(client);
        return client;
      };

      const foreign = open('https://evil.example');
      const refused = await Promise.race([connectError(foreign), nextEvent(foreign, 'welcome')]);
      expect(refused, 'the gateway never greeted the foreign page').not.toBe('ada');
      const raw = await send(baseUrl, `/socket.io/?EIO=4&transport=${transport}`, {
        cookie,
        headers: { origin: 'https://evil.example' },
      });
      expect(raw.status).toBe(403);

      expect(await nextEvent(open(baseUrl), 'welcome')).toBe('ada');
      expect(await nextEvent(open('https://admin.example'), 'welcome')).toBe('ada');
    },
  );
});

// Cloakroom on NestJS 12 (@nestjs/platform-express), memory store.
// Node runs this file by stripping types, which leaves decorators out, so they are applied as calls.
import 'reflect-metadata';
import type { Session as SessionHandle } from '@cloakroom/session-core';
import { SESSION_MANAGER, Session, SessionModule } from '@cloakroom/session-nest';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { cloakroomStore, IDLE_SECONDS, PORT, reportCacheStats, SECRET, text } from './common.ts';

class Routes {
  none(): string {
    return 'ok';
  }
  async read(session: SessionHandle): Promise<string> {
    return text(await session.get('n'));
  }
  async write(session: SessionHandle): Promise<string> {
    return text(await session.update('n', (n) => Number(n ?? 0) + 1));
  }
}
for (const route of ['none', 'read', 'write'] as const) {
  Get(route)(Routes.prototype, route, Object.getOwnPropertyDescriptor(Routes.prototype, route)!);
}
Session()(Routes.prototype, 'read', 0);
Session()(Routes.prototype, 'write', 0);
Controller()(Routes);
class AppModule {}
Module({
  imports: [
    SessionModule.forRoot({
      store: await cloakroomStore('memory'),
      secret: SECRET,
      idleTimeout: IDLE_SECONDS,
    }),
  ],
  controllers: [Routes],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
reportCacheStats(app.get(SESSION_MANAGER));
await app.listen(PORT, '127.0.0.1');
process.stdout.write(`ready ${new URL(await app.getUrl()).port}\n`);

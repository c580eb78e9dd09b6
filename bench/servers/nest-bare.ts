// NestJS 12 on @nestjs/platform-express with no session: the baseline of the Nest group.
// Node runs this file by stripping types, which leaves decorators out, so they are applied as calls.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PORT } from './common.ts';

class Routes {
  none(): string {
    return 'ok';
  }
  read(): string {
    return '0';
  }
  write(): string {
    return '1';
  }
}
for (const route of ['none', 'read', 'write'] as const) {
  Get(route)(Routes.prototype, route, Object.getOwnPropertyDescriptor(Routes.prototype, route)!);
}
Controller()(Routes);
class AppModule {}
Module({ controllers: [Routes] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
process.stdout.write(`ready ${new URL(await app.getUrl()).port}\n`);

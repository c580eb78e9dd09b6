// Nest's decorators need the Reflect metadata API before any of them runs: this import comes first.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, serveUntilSignal } from 'demo-kit';
import { AppModule } from './app.module.ts';

const config = loadConfig();
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  abortOnError: false, // a store that cannot open (no database) rejects here: status 1, not a core dump
  bodyParser: false, // the parsers below, with the limits every demo uses
  logger: ['error', 'warn'], // no route-mapping chatter: the listening line is what scripts wait for
});
app.disable('x-powered-by');
app.useBodyParser('json', { limit: '16kb' });
app.useBodyParser('urlencoded', { extended: false, limit: '16kb' });
await app.init();

// demo-kit prints `listening on http://127.0.0.1:<port>`, and on SIGTERM/SIGINT closes the server, then the
// app: Nest runs its shutdown hooks (SessionModule waits for writes in flight, DemoStoreModule closes the store).
serveUntilSignal(app.getHttpServer().listen(config.port, config.host), () => app.close());

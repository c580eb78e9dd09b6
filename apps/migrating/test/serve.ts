import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';

/** Which framework an example app is built on: how the test serves it. */
export type Kind = 'express' | 'koa' | 'hono' | 'fastify';

/** What every example module exports: its app, and how to release what it opened. */
export interface ExampleModule {
  readonly app: unknown;
  readonly close: () => Promise<void>;
}

export interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

interface FastifyLike {
  listen(options: { port: number; host: string }): Promise<string>;
}
interface KoaLike {
  callback(): RequestListener;
}
interface HonoLike {
  fetch(request: Request): Response | Promise<Response>;
}

const listen = async (handler: RequestListener): Promise<Server> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};

/** Serves an example app on a free loopback port. */
export async function serve(kind: Kind, module: ExampleModule): Promise<Running> {
  if (kind === 'fastify') {
    const url = await (module.app as FastifyLike).listen({ port: 0, host: '127.0.0.1' });
    return { url, stop: module.close };
  }
  const handler =
    kind === 'express'
      ? (module.app as RequestListener)
      : kind === 'koa'
        ? (module.app as KoaLike).callback()
        : getRequestListener((request) => (module.app as HonoLike).fetch(request));
  const server = await listen(handler);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await module.close();
    },
  };
}

import type { SessionManagerOptions } from '@cloakroom/session-core';
import type { MiddlewareConsumer, ModuleMetadata, Type } from '@nestjs/common';
import type { SessionCsrfOptions } from './csrf-guard.ts';

/** A route as Nest's `MiddlewareConsumer` takes it: a path (`'health'`, `'admin/{*path}'`) or `{ path, method }`. */
export type SessionRoute = Parameters<ReturnType<MiddlewareConsumer['apply']>['exclude']>[number];

/**
 * Options of {@link SessionModule.forRoot}: every option of the core session manager, plus which routes
 * get a session. Times are in seconds.
 */
export interface SessionModuleOptions extends SessionManagerOptions {
  /**
   * Routes that get a session, in the syntax of Nest's `forRoutes()` (paths, `RouteInfo`, controllers).
   * @default every route ('{*path}')
   */
  include?: ReadonlyArray<SessionRoute | Type<unknown>>;
  /**
   * Routes that never get a session (health checks, static files), in the syntax of Nest's `exclude()`.
   * A request there has no session: `@Session()` throws and {@link SessionAuthGuard} fails with a 500.
   * @default []
   */
  exclude?: readonly SessionRoute[];
  /** Registers the module globally, so its service and guard can be injected anywhere. @default true */
  global?: boolean;
  /**
   * Guards every route with {@link SessionCsrfGuard} (Origin / `Sec-Fetch-Site` check for unsafe
   * methods, the session's token for form posts; GraphQL resolvers served over HTTP included). An
   * object sets core's CSRF options (`field`, `header`, `requireToken`, `bodyLimit`, `allowedOrigins`).
   * `@SkipCsrf()` exempts a handler. It also refuses WebSocket and Socket.IO handshakes from a foreign
   * `Origin` (403) on the application's HTTP server, before a gateway sees the connection.
   * @default false (apply `@UseGuards(SessionCsrfGuard)` where you want it)
   */
  csrf?: boolean | SessionCsrfOptions;
}

/** A class that builds the module's options, for `forRootAsync({ useClass })` or `{ useExisting }`. */
export interface SessionOptionsFactory {
  createSessionOptions(): SessionModuleOptions | Promise<SessionModuleOptions>;
}

/**
 * Options of {@link SessionModule.forRootAsync}: where the options come from, with exactly one of
 * `useFactory`, `useClass` or `useExisting`.
 */
export interface SessionModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * Builds the options; may be async. Its parameters are the providers listed in `inject`.
   * @example useFactory: (config: ConfigService) => ({ store: memoryStore(), secret: config.get('SECRET') })
   */
  useFactory?: (...args: never[]) => SessionModuleOptions | Promise<SessionModuleOptions>;
  /** Providers (classes or tokens) passed to `useFactory`, in order. @default [] */
  inject?: ReadonlyArray<string | symbol | Type<unknown>>;
  /** A {@link SessionOptionsFactory} class the module instantiates (with its own dependencies). */
  useClass?: Type<SessionOptionsFactory>;
  /** A {@link SessionOptionsFactory} provider that already exists in an imported module. */
  useExisting?: Type<SessionOptionsFactory>;
  /** Registers the module globally, so its service and guard can be injected anywhere. @default true */
  global?: boolean;
}

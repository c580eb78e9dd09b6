import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import {
  createSessionManager,
  type SessionData,
  SessionError,
  type SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import {
  type CanActivate,
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost, Reflector } from '@nestjs/core';
import { SessionCsrfGuard } from './csrf-guard.ts';
import { type FastifyInstanceLike, hookFastify } from './fastify.ts';
import { gateHandshakes } from './handshake-origin.ts';
import type { SessionModuleAsyncOptions, SessionModuleOptions, SessionOptionsFactory } from './options.ts';
import { SessionAuthGuard } from './session-auth-guard.ts';
import { SessionContextReset, SessionMiddleware } from './session-middleware.ts';
import { SessionService } from './session-service.ts';
import { SESSION_MANAGER, SESSION_OPTIONS } from './tokens.ts';

const ALL_ROUTES = '{*path}';

function managerOptions(options: SessionModuleOptions): SessionManagerOptions {
  const { include: _include, exclude: _exclude, global: _global, csrf: _csrf, ...rest } = options;
  return rest;
}

function build(
  global: boolean,
  optionsProviders: Provider[],
  imports: DynamicModule['imports'],
): DynamicModule {
  return {
    module: SessionModule,
    global,
    ...(imports === undefined ? {} : { imports }),
    providers: [
      ...optionsProviders,
      {
        provide: SESSION_MANAGER,
        inject: [SESSION_OPTIONS],
        useFactory: (options: SessionModuleOptions): SessionManager<SessionData> =>
          createSessionManager(managerOptions(options)),
      },
      SessionService,
      SessionAuthGuard,
      SessionMiddleware,
      SessionContextReset,
      SessionCsrfGuard,
      {
        provide: APP_GUARD,
        inject: [SESSION_OPTIONS, Reflector],
        useFactory: (options: SessionModuleOptions, reflector: Reflector): CanActivate =>
          options.csrf === undefined || options.csrf === false
            ? { canActivate: () => true }
            : new SessionCsrfGuard(options, reflector),
      },
    ],
    exports: [SESSION_MANAGER, SESSION_OPTIONS, SessionService, SessionAuthGuard, SessionCsrfGuard],
  };
}

const fromFactory = (factory: SessionOptionsFactory): SessionModuleOptions | Promise<SessionModuleOptions> =>
  factory.createSessionOptions();

function asyncProviders(options: SessionModuleAsyncOptions): Provider[] {
  const { useFactory, useClass, useExisting } = options;
  const given = [useFactory, useClass, useExisting].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new SessionError(
      'SESSION_CONFIG',
      '@cloakroom/session-nest: SessionModule.forRootAsync() takes exactly one of useFactory, useClass ' +
        `or useExisting (got ${given}).`,
    );
  }
  if (useFactory !== undefined) {
    return [{ provide: SESSION_OPTIONS, useFactory, inject: [...(options.inject ?? [])] }];
  }
  if (useClass !== undefined) {
    return [useClass, { provide: SESSION_OPTIONS, useFactory: fromFactory, inject: [useClass] }];
  }
  return [{ provide: SESSION_OPTIONS, useFactory: fromFactory, inject: [useExisting!] }];
}

/**
 * Server-side sessions for a Nest application, on Express or Fastify. Import it once in the root
 * module; every route gets a lazy session (`@Session()`, {@link SessionService}), saved before the
 * response is sent, and the store is closed when the application shuts down, after in-flight writes.
 * @example
 * @Module({
 *   imports: [SessionModule.forRoot({ store: memoryStore(), secret: process.env.SESSION_SECRET! })],
 *   controllers: [CartController],
 * })
 * export class AppModule {}
 */
@Module({})
export class SessionModule implements NestModule, OnModuleInit, OnApplicationShutdown {
  readonly #options: SessionModuleOptions;
  readonly #manager: SessionManager<SessionData>;
  readonly #adapterHost: HttpAdapterHost;

  constructor(
    @Inject(SESSION_OPTIONS) options: SessionModuleOptions,
    @Inject(SESSION_MANAGER) manager: SessionManager<SessionData>,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
  ) {
    this.#options = options;
    this.#manager = manager;
    this.#adapterHost = adapterHost;
  }

  /**
   * Configures the module with static options.
   * @throws SessionError SESSION_CONFIG at start-up when an option is invalid (short secret, bad cookie)
   */
  static forRoot(options: SessionModuleOptions): DynamicModule {
    return build(options.global ?? true, [{ provide: SESSION_OPTIONS, useValue: options }], undefined);
  }

  /**
   * Configures the module from other providers, such as `ConfigService`: with `useFactory` (and
   * `inject`), `useClass` or `useExisting` (a {@link SessionOptionsFactory}).
   * @throws SessionError SESSION_CONFIG when none of them is given, and at start-up when the options the
   * factory returns are invalid
   * @example
   * SessionModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ store: memoryStore(), secret: config.getOrThrow('SESSION_SECRET') }),
   * })
   */
  static forRootAsync(options: SessionModuleAsyncOptions): DynamicModule {
    return build(options.global ?? true, asyncProviders(options), options.imports);
  }

  configure(consumer: MiddlewareConsumer): void {
    const { include, exclude } = this.#options;
    consumer.apply(SessionContextReset).forRoutes(ALL_ROUTES);
    const applied = consumer.apply(SessionMiddleware);
    const routes = include === undefined || include.length === 0 ? [ALL_ROUTES] : [...include];
    (exclude !== undefined && exclude.length > 0 ? applied.exclude(...exclude) : applied).forRoutes(
      ...routes,
    );
  }

  onModuleInit(): void {
    const adapter = this.#adapterHost.httpAdapter;
    if (adapter?.getType() === 'fastify') hookFastify(adapter.getInstance<FastifyInstanceLike>());
    // Runs after Nest attached its WebSocket gateways to the HTTP server, so their handshakes are gated.
    const { csrf } = this.#options;
    const server: unknown = adapter?.getHttpServer();
    if (csrf !== undefined && csrf !== false && server instanceof EventEmitter) {
      gateHandshakes(server as Server, (typeof csrf === 'object' ? csrf.allowedOrigins : undefined) ?? []);
    }
  }

  /** Waits for in-flight session writes, then closes the store (a client you passed to it stays open). */
  async onApplicationShutdown(): Promise<void> {
    await this.#manager.close();
  }
}

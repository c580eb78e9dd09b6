import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDemoStore, type DemoConfig, type DemoStore } from 'demo-kit';

/** Injection token of the demo's configuration (`DemoConfig`, read from the environment by `loadConfig`). */
export const DEMO_CONFIG: unique symbol = Symbol('DEMO_CONFIG');
/** Injection token of the demo's store (`DemoStore`: the session store and what closes its clients). */
export const DEMO_STORE: unique symbol = Symbol('DEMO_STORE');

/**
 * Provides the configuration and the store `SESSION_STORE` names, opened once at start-up (an async
 * provider: SQL stores create their table first). `SessionModule.forRootAsync` imports it and builds the
 * session options from both.
 *
 * On shutdown it closes the store's clients (the SQLite file, the Redis connection, the pools). Nest runs
 * `onApplicationShutdown` after the HTTP server has stopped, from the root module down: `SessionModule`,
 * which imports this module, has already waited for the session writes in flight by then.
 */
@Module({})
export class DemoStoreModule implements OnApplicationShutdown {
  readonly #store: DemoStore;

  constructor(@Inject(DEMO_STORE) store: DemoStore) {
    this.#store = store;
  }

  /** The module for one configuration. */
  static forRoot(config: DemoConfig): DynamicModule {
    return {
      module: DemoStoreModule,
      providers: [
        { provide: DEMO_CONFIG, useValue: config },
        { provide: DEMO_STORE, inject: [DEMO_CONFIG], useFactory: createDemoStore },
      ],
      exports: [DEMO_CONFIG, DEMO_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#store.close();
  }
}

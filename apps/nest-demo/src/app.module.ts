import { SessionModule, type SessionModuleOptions } from '@cloakroom/session-nest';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { type DemoConfig, type DemoStore, demoSessionOptions } from 'demo-kit';
import { ApiController } from './api.controller.ts';
import { DemoExceptionFilter } from './demo-exception.filter.ts';
import { DEMO_CONFIG, DEMO_STORE, DemoStoreModule } from './demo-store.module.ts';
import { PageController } from './page.controller.ts';
import { ScenarioController } from './scenario.controller.ts';

/**
 * The demo app: sessions from `SessionModule` (store, secret, timeouts and cookie security from the
 * environment, through {@link DemoStoreModule}), the page and `/healthz`, the JSON API, and one exception
 * filter that answers every error as `{ "error": "..." }`; with `config.scenarioRoutes`, also the shared
 * scenario app's routes (for apps/e2e).
 * @example
 * const app = await NestFactory.create(AppModule.forRoot(loadConfig()));
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class, configured through a static forRoot()
export class AppModule {
  /** The app for one configuration (`loadConfig()` in `server.ts`). */
  static forRoot(config: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SessionModule.forRootAsync({
          imports: [DemoStoreModule.forRoot(config)],
          inject: [DEMO_CONFIG, DEMO_STORE],
          useFactory: (demo: DemoConfig, store: DemoStore): SessionModuleOptions => ({
            ...demoSessionOptions(demo, store),
            // Origin / Sec-Fetch-Site check on every unsafe request; form posts also need the `_csrf` field.
            csrf: true,
            // A health check never touches the session nor sets a cookie.
            exclude: ['healthz'],
          }),
          // One module imports it. Not global, so Nest shuts it down (waiting for session writes in flight)
          // before DemoStoreModule, which it imports, closes the store's clients.
          global: false,
        }),
      ],
      // DEMO_SCENARIO_ROUTES=1 (tests only): the shared scenario app's routes under /__scenarios as well.
      controllers: [PageController, ApiController, ...(config.scenarioRoutes ? [ScenarioController] : [])],
      providers: [{ provide: APP_FILTER, useClass: DemoExceptionFilter }],
    };
  }
}

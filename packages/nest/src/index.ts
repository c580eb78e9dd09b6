export { getRequestSession } from './access.ts';
export { SessionCsrfGuard, type SessionCsrfOptions, SkipCsrf } from './csrf-guard.ts';
export { toHttpException } from './errors.ts';
export type {
  SessionModuleAsyncOptions,
  SessionModuleOptions,
  SessionOptionsFactory,
  SessionRoute,
} from './options.ts';
export { RequireUser, SessionAuthGuard } from './session-auth-guard.ts';
export { Session } from './session-decorator.ts';
export { SessionModule } from './session-module.ts';
export { type ReadonlySession, SessionService } from './session-service.ts';
export { SESSION_MANAGER, SESSION_OPTIONS } from './tokens.ts';

export { type CsrfMiddleware, type CsrfMiddlewareOptions, csrf } from './csrf.ts';
export * from './legacy.ts';
export {
  type AdapterOptions,
  type AppSessionData,
  type SessionData,
  type SessionMiddleware,
  type SessionOptions,
  session,
} from './session.ts';

export { type CsrfMiddlewareOptions, csrf } from './csrf.ts';
export {
  type AppSessionData,
  type SessionData,
  type SessionMiddleware,
  type SessionOptions,
  session,
} from './session.ts';

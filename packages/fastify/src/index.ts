export { type CsrfHook, type CsrfHookOptions, csrf } from './csrf.ts';
export {
  type AppSessionData,
  type SessionData,
  type SessionOptions,
  session,
  session as default,
} from './session.ts';

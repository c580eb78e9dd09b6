export { type CsrfProtectionOptions, csrfProtection } from './csrf.ts';
export {
  type KoaSessionData,
  type KoaSessionOptions,
  type SessionData,
  type SessionMiddleware,
  session,
} from './session.ts';

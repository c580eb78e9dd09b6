export { type CsrfProtectionOptions, csrfProtection } from './csrf.ts';
export {
  type HonoAdapterOptions,
  type HonoSessionOptions,
  type SessionEnv,
  type SessionMiddleware,
  type SessionVariables,
  session,
} from './session.ts';

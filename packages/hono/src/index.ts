export { type CsrfMiddlewareOptions, csrf } from './csrf.ts';
export {
  type HonoAdapterOptions,
  type SessionEnv,
  type SessionMiddleware,
  type SessionOptions,
  type SessionVariables,
  session,
} from './session.ts';

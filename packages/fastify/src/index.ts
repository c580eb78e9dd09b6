export { type CsrfHook, type CsrfHookOptions, csrf } from './csrf.ts';
export { type SessionOptions, session, session as default } from './session.ts';

import type { SessionData } from './session.ts';

/**
 * Your app's session data, declared once for every adapter. Empty here: augment it in your app and
 * Express's `req.session`, Koa's `ctx.session`, Hono's `c.get('session')`, Nest's `@Session()` and
 * `SessionService`, and Next's `createNextSession()` are all typed by it, so a misspelled key or a
 * wrong value fails to compile. Declare it with `interface` (a `type` alias cannot be augmented).
 * Without an augmentation, any string key holds `unknown`.
 * @example
 * declare module '@cloakroom/session-core' {
 *   interface AppSession {
 *     cart: string[];
 *     theme: 'light' | 'dark';
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: apps fill it in through declaration merging.
export interface AppSession {}

/**
 * The session data type for a declared shape: a copy of `Shape` with the implicit index signature
 * {@link SessionData} needs (an `interface` has none), or any string key holding `unknown` when
 * `Shape` has no keys. Use it to pass an `interface` where a data type parameter is expected.
 * @example
 * interface Cart { items: string[] }
 * const manager = createSessionManager<SessionDataOf<Cart>>(options);
 */
export type SessionDataOf<Shape extends object> = keyof Shape extends never
  ? SessionData
  : { [K in keyof Shape]: Shape[K] };

/** The data type every adapter's session uses by default: your {@link AppSession}, resolved. */
export type AppSessionData = SessionDataOf<AppSession>;

import type { AnySessionStore, SessionError, SessionManagerOptions } from '@cloakroom/session-core';

/** Cookie attributes a scenario app was built with, as the suite expects to see them in `Set-Cookie`. */
export interface ScenarioCookie {
  /** Cookie name. */
  readonly name: string;
  /** `Domain` attribute, if the app sets one. */
  readonly domain?: string | undefined;
  /** `Path` attribute. */
  readonly path: string;
  /** Whether the cookie carries `Secure` (the scenario apps answer plain HTTP, so use `true`, not `'auto'`). */
  readonly secure: boolean;
  /** Whether the cookie carries `HttpOnly`. */
  readonly httpOnly: boolean;
  /** The `SameSite` attribute. */
  readonly sameSite: 'lax' | 'strict' | 'none';
}

/**
 * The session options a scenario app was built with. The suite reads them to know what a client
 * should observe (cookie attributes, timeouts) and which secrets are in play.
 */
export interface ScenarioOptions {
  /** Signing secrets: the first signs; the others are retired but still verify (rotation). */
  readonly secrets: readonly [string, ...string[]];
  /** Cookie attributes. */
  readonly cookie: ScenarioCookie;
  /** Idle timeout in seconds. */
  readonly idleTimeout: number;
  /** Absolute timeout in seconds. */
  readonly absoluteTimeout: number;
  /** Touch interval in seconds. */
  readonly touchInterval: number;
}

/**
 * The options every adapter's scenario app uses unless it has a reason not to: two secrets (the
 * second retired), an explicit cookie with a `Domain`, and short timeouts the fake clock can cross.
 * The secrets are test fixtures, public on purpose: never use them in an app.
 */
export const scenarioOptions: ScenarioOptions = {
  secrets: ['scenario-current-secret-0123456789abcdefghij', 'scenario-retired-secret-0123456789abcdefghij'],
  cookie: { name: 'sid', domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
  idleTimeout: 600,
  absoluteTimeout: 3_600,
  touchInterval: 60,
};

/** What {@link scenarioManagerOptions} needs besides the scenario options. */
export interface ScenarioManagerInput {
  /** The store the app uses (usually a {@link countingStore} around a real one). */
  readonly store: AnySessionStore;
  /** The clock shared with the test (see {@link manualClock}). @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Where non-fatal session errors go. @default core's default (console.error) */
  readonly onError?: ((error: SessionError) => void) | undefined;
}

/**
 * The core manager options that match a {@link ScenarioOptions}: spread them into the adapter's
 * middleware options when building a scenario app.
 * @example
 * app.use(session(scenarioManagerOptions({ store, now: clock.now })));
 */
export function scenarioManagerOptions(
  input: ScenarioManagerInput,
  options: ScenarioOptions = scenarioOptions,
): SessionManagerOptions {
  const { cookie } = options;
  const result: SessionManagerOptions = {
    store: input.store,
    secret: options.secrets,
    cookie: {
      name: cookie.name,
      path: cookie.path,
      secure: cookie.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
    },
    idleTimeout: options.idleTimeout,
    absoluteTimeout: options.absoluteTimeout,
    touchInterval: options.touchInterval,
  };
  if (input.now !== undefined) result.now = input.now;
  if (input.onError !== undefined) result.onError = input.onError;
  return result;
}

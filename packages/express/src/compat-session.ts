/**
 * The express-session-shaped `req.session` of the compat middleware: data as plain properties of a
 * Proxy (reserved names refused), express-session's callback methods, and `cookie`. Changes are found per
 * top-level key by comparing each value's JSON at commit with its JSON at load, and handed to core as
 * `set`/`delete` of those keys only, so core's compare-and-set re-applies just them on a conflict.
 */
import { type Session, SessionError } from '@cloakroom/session-core';
import { RESERVED_KEYS } from './legacy-carry.ts';
import { MAX_LIFETIME_MS, ownIdleMs, setCookieLifetime, type Timeouts } from './lifetime.ts';

/** A session callback: called with the error, or with nothing once the operation is done. */
export type SessionCallback = (error?: unknown) => void;

/** `req.session.cookie`: express-session's cookie fields. Times in milliseconds. */
export interface CompatCookie {
  /**
   * Milliseconds until the cookie expires, or null for a browser-session cookie. Assign it to give this
   * session another lifetime ("remember me").
   */
  maxAge: number | null;
  /** The lifetime the cookie was given, in milliseconds (null for a browser-session cookie). */
  readonly originalMaxAge: number | null;
  /** When the cookie expires, or null for a browser-session cookie. */
  readonly expires: Date | null;
  readonly httpOnly: boolean;
  readonly secure: boolean | 'auto';
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly path: string;
  readonly domain: string | undefined;
}

/** The API part of the compat `req.session`; every other property is session data. */
export interface CompatSessionMethods {
  /**
   * A log-safe id (derived from the store key, never the cookie value), or `''` while the session is not
   * stored yet. The same as `req.sessionID`.
   */
  readonly id: string;
  readonly cookie: CompatCookie;
  /** Replaces the session with a new, empty one under a new id; the old record is deleted before `callback`. */
  regenerate(callback?: SessionCallback): this;
  /** Deletes the session (record and cookie) before `callback`; `req.session` is then a new, empty session. */
  destroy(callback?: SessionCallback): this;
  /** Saves the changes now (they are saved with the response anyway). */
  save(callback?: SessionCallback): this;
  /** Drops unsaved changes and reads the session from the store again. */
  reload(callback?: SessionCallback): this;
  /** Moves the session's expiry now. */
  touch(): this;
  /** Resets `cookie.maxAge` to `cookie.originalMaxAge` and moves the expiry now. */
  resetMaxAge(): this;
}

/** The compat `req.session`: {@link CompatSessionMethods} plus the data as properties. */
export type CompatSession<Data extends object = Record<string, unknown>> = CompatSessionMethods &
  Partial<Data>;

/** The cookie settings and lifetime the compat cookie reports. */
export interface CompatCookieSettings {
  readonly httpOnly: boolean;
  readonly secure: boolean | 'auto';
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly path: string;
  readonly domain: string | undefined;
  /** Milliseconds, or null for a browser-session cookie. */
  readonly maxAge: number | null;
  /** The manager's timeouts, in seconds. */
  readonly timeouts: Timeouts;
}

function usage(message: string): SessionError {
  return new SessionError('SESSION_USAGE', `@cloakroom/session-express/compat: ${message}`, { status: 500 });
}

class Cookie implements CompatCookie {
  readonly #settings: CompatCookieSettings;
  #original: number | null;
  #expires: number | null;
  /** Whether the app gave this session its own lifetime. */
  changed = false;

  constructor(settings: CompatCookieSettings, maxAge: number | null = settings.maxAge) {
    this.#settings = settings;
    this.#original = maxAge;
    this.#expires = maxAge === null ? null : Date.now() + maxAge;
  }

  get maxAge(): number | null {
    return this.#expires === null ? null : this.#expires - Date.now();
  }

  set maxAge(value: number | null) {
    if (value !== null && (typeof value !== 'number' || !(value >= 1000) || value > MAX_LIFETIME_MS)) {
      throw usage('cookie.maxAge takes milliseconds (at least 1000, at most 400 days), or null.');
    }
    this.#original = value;
    this.#expires = value === null ? null : Date.now() + value;
    this.changed = true;
  }

  get originalMaxAge(): number | null {
    return this.#original;
  }

  get expires(): Date | null {
    return this.#expires === null ? null : new Date(this.#expires);
  }

  /** Restarts the window (touch, resetMaxAge). */
  reset(): void {
    this.#expires = this.#original === null ? null : Date.now() + this.#original;
  }

  get httpOnly(): boolean {
    return this.#settings.httpOnly;
  }
  get secure(): boolean | 'auto' {
    return this.#settings.secure;
  }
  get sameSite(): 'lax' | 'strict' | 'none' {
    return this.#settings.sameSite;
  }
  get path(): string {
    return this.#settings.path;
  }
  get domain(): string | undefined {
    return this.#settings.domain;
  }
  toJSON(): Record<string, unknown> {
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this.expires,
      httpOnly: this.httpOnly,
      secure: this.secure,
      sameSite: this.sameSite,
      path: this.path,
      domain: this.domain,
    };
  }
}

/** Encodes a value as it is stored; undefined when JSON has no value for it (it is then absent). */
function encode(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** One `req.session` object: its data (the Proxy's target), and the request it belongs to. */
interface Face {
  readonly data: Record<string, unknown>;
  readonly owner: CompatRequest;
  readonly cookie: Cookie;
}

const faces = new WeakMap<object, Face>();

function faceOf(self: unknown, method: string): Face {
  const face = typeof self === 'object' && self !== null ? faces.get(self) : undefined;
  if (face === undefined) throw usage(`call ${method}() on req.session (it was detached from it).`);
  return face;
}

function done(owner: CompatRequest, work: Promise<void>, callback: SessionCallback | undefined): void {
  work.then(
    () => callback?.(),
    (error: unknown) => {
      if (callback) callback(error);
      else owner.report(error);
    },
  );
}

// Shared by every session object; `this` is the Proxy (express-session's methods return it too).
const METHODS: Readonly<Record<string, (this: object, ...args: never[]) => unknown>> = {
  regenerate(this: object, callback?: SessionCallback) {
    const { owner } = faceOf(this, 'regenerate');
    done(owner, owner.regenerate(), callback);
    return this;
  },
  destroy(this: object, callback?: SessionCallback) {
    const { owner } = faceOf(this, 'destroy');
    done(owner, owner.destroy(), callback);
    return this;
  },
  save(this: object, callback?: SessionCallback) {
    const { owner } = faceOf(this, 'save');
    done(owner, owner.save(), callback);
    return this;
  },
  reload(this: object, callback?: SessionCallback) {
    const { owner } = faceOf(this, 'reload');
    done(owner, owner.reload(), callback);
    return this;
  },
  touch(this: object) {
    faceOf(this, 'touch').owner.touch();
    return this;
  },
  resetMaxAge(this: object) {
    faceOf(this, 'resetMaxAge').owner.touch();
    return this;
  },
};

const HANDLER: ProxyHandler<Record<string, unknown>> = {
  get(target, key, receiver) {
    if (typeof key === 'string') {
      if (key === 'id') return faces.get(receiver)?.owner.id ?? '';
      if (key === 'cookie') return faces.get(receiver)?.cookie;
      if (Object.hasOwn(METHODS, key)) return METHODS[key];
    }
    return Reflect.get(target, key);
  },
  set(target, key, value) {
    if (typeof key === 'string' && RESERVED_KEYS.has(key)) {
      throw usage(`req.session.${key} is reserved (the session's API); store the value under another name.`);
    }
    return Reflect.set(target, key, value);
  },
  defineProperty(target, key, descriptor) {
    if (typeof key === 'string' && RESERVED_KEYS.has(key)) {
      throw usage(`req.session.${key} is reserved (the session's API); store the value under another name.`);
    }
    return Reflect.defineProperty(target, key, descriptor);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string' && RESERVED_KEYS.has(key))
      throw usage(`req.session.${key} cannot be deleted.`);
    return Reflect.deleteProperty(target, key);
  },
  has(target, key) {
    if (key === 'id' || key === 'cookie' || (typeof key === 'string' && Object.hasOwn(METHODS, key)))
      return true;
    return Reflect.has(target, key);
  },
};

/**
 * The compat session of one request: owns the core session, the current `req.session` object and what
 * was loaded (each key's JSON), and turns the differences into core writes at commit.
 */
export class CompatRequest {
  readonly #core: Session;
  readonly #settings: CompatCookieSettings;
  readonly #userOf: ((data: Readonly<Record<string, unknown>>) => string | null | undefined) | undefined;
  readonly #expose: (session: CompatSession) => void;
  readonly report: (error: unknown) => void;
  /** Each key's JSON as loaded or last handed to core. */
  #loaded = new Map<string, string>();
  #user: string | null = null;
  #face!: Face;
  /** A fresh, uncommitted session for the request's own cookie (reload reads the store through it). */
  readonly #reopen: () => Session;
  /** Whether the session is still the one the request's cookie names (not regenerated or new). */
  #fromCookie = false;
  id = '';

  constructor(
    core: Session,
    settings: CompatCookieSettings,
    userOf: CompatRequest['userOf'],
    expose: (session: CompatSession) => void,
    report: (error: unknown) => void,
    reopen: () => Session,
  ) {
    this.#reopen = reopen;
    this.#core = core;
    this.#settings = settings;
    this.#userOf = userOf;
    this.#expose = expose;
    this.report = report;
  }

  get userOf(): ((data: Readonly<Record<string, unknown>>) => string | null | undefined) | undefined {
    return this.#userOf;
  }

  /** Whether nothing was loaded and nothing assigned (then the response passes through untouched). */
  get untouched(): boolean {
    return this.#loaded.size === 0 && Object.keys(this.#face.data).length === 0 && !this.#face.cookie.changed;
  }

  /** Reads the stored session when the request carries a cookie (else no store call) and exposes it. */
  async load(cookie: boolean): Promise<void> {
    if (!cookie) {
      this.#expose(this.#newFace({}));
      return;
    }
    const values = await this.#core.all();
    this.#user = await this.#core.getUser();
    this.id = (await this.#core.logId()) ?? '';
    this.#fromCookie = this.id !== '';
    this.#expose(this.#newFace(values, await this.#ownMaxAge()));
  }

  /** The cookie lifetime in ms of a session with a lifetime of its own (core's), else the settings'. */
  async #ownMaxAge(): Promise<number | null> {
    return (await ownIdleMs(this.#core, this.#settings.timeouts)) ?? this.#settings.maxAge;
  }

  #newFace(values: Record<string, unknown>, maxAge: number | null = this.#settings.maxAge): CompatSession {
    const data: Record<string, unknown> = {};
    this.#loaded = new Map();
    for (const [key, value] of Object.entries(values)) {
      // Stored or legacy data never shadows the API or a prototype.
      if (RESERVED_KEYS.has(key)) continue;
      const json = encode(value);
      if (json === undefined) continue;
      Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
      this.#loaded.set(key, json);
    }
    const proxy = new Proxy(data, HANDLER);
    this.#face = { data, owner: this, cookie: new Cookie(this.#settings, maxAge) };
    faces.set(proxy, this.#face);
    return proxy as unknown as CompatSession;
  }

  /** Hands the keys whose JSON changed since load to core (and the user binding, when mapped). */
  sync(): void {
    const { data } = this.#face;
    const core = this.#core;
    const present = new Set<string>();
    for (const key of Object.keys(data)) {
      const json = encode(data[key]);
      if (json === undefined) continue;
      present.add(key);
      if (this.#loaded.get(key) === json) continue;
      // What is stored is the JSON form, so later in-place changes are found again at the next commit.
      core.set(key, JSON.parse(json) as unknown);
      this.#loaded.set(key, json);
    }
    for (const key of [...this.#loaded.keys()]) {
      if (present.has(key)) continue;
      core.delete(key);
      this.#loaded.delete(key);
    }
    if (this.#face.cookie.changed) this.#applyLifetime();
    if (this.#userOf !== undefined) {
      const mapped = this.#userOf(data);
      const user = typeof mapped === 'string' && mapped.length > 0 ? mapped : null;
      if (user !== this.#user) {
        core.setUser(user);
        this.#user = user;
      }
    }
  }

  /**
   * `cookie.maxAge` was assigned: the session gets core's lifetime of its own (idle window = maxAge,
   * absolute window = the longer of it and the manager's), so the store's expiry and the cookie's
   * Max-Age follow. `null` goes back to the manager's lifetime.
   */
  #applyLifetime(): void {
    const cookie = this.#face.cookie;
    cookie.changed = false;
    setCookieLifetime(this.#core, cookie.originalMaxAge, this.#settings.timeouts);
  }

  async save(): Promise<void> {
    this.sync();
    await this.#core.save();
    this.id = (await this.#core.logId()) ?? '';
  }

  async regenerate(): Promise<void> {
    // As express-session: the old record is deleted first, and what follows is a new, empty session
    // (written, under a fresh id, once it holds data). The old object stays readable (passport's
    // keepSessionInfo copies from it).
    this.#core.destroy();
    await this.#core.save();
    this.#fromCookie = false;
    this.#user = null;
    this.id = '';
    this.#expose(this.#newFace({}));
  }

  async destroy(): Promise<void> {
    await this.regenerate();
  }

  async reload(): Promise<void> {
    // Unsaved changes are dropped, and the session is read from the store again (what parallel requests
    // saved since is seen; the next save's compare-and-set still sees the record's newest version). A
    // session this request regenerated or created has no other writer: it is as last saved here.
    const source = this.#fromCookie ? this.#reopen() : this.#core;
    const values = await source.all();
    if (this.#fromCookie && !(await source.exists())) throw usage('reload(): the session no longer exists.');
    this.#user = await source.getUser();
    this.#expose(this.#newFace(values, await this.#ownMaxAge()));
  }

  touch(): void {
    this.#face.cookie.reset();
    this.#core.touch();
  }
}

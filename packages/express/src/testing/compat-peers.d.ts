// The peers the legacy tests run (express-session and its stores) ship no types of their own, and
// @types/express-session would type req.session its way in this program: these describe only what the
// tests call.
declare module 'express-session' {
  import type { RequestHandler } from 'express';

  interface ExpressSessionOptions {
    store?: unknown;
    secret: string | string[];
    name?: string;
    resave?: boolean;
    saveUninitialized?: boolean;
    cookie?: { path?: string; domain?: string; maxAge?: number; secure?: boolean };
  }
  function expressSession(options: ExpressSessionOptions): RequestHandler;
  export default expressSession;
}

declare module 'connect-pg-simple' {
  interface PgStoreOptions {
    conString?: string;
    schemaName?: string;
    tableName?: string;
    createTableIfMissing?: boolean;
    pruneSessionInterval?: false | number;
  }
  function connectPgSimple(session: unknown): new (options: PgStoreOptions) => { close(): Promise<void> };
  export default connectPgSimple;
}

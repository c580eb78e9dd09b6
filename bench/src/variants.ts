/** Every HTTP variant the bench runs: one server file each, under ../servers/. */

export type Group = 'express' | 'koa' | 'hono' | 'fastify' | 'nest' | 'next';
export type Route = '/none' | '/read' | '/write';
export const ROUTES: readonly Route[] = ['/none', '/read', '/write'];

export interface Variant {
  /** Also the server file's name, without `.ts`. */
  readonly id: string;
  readonly group: Group;
  readonly label: string;
  readonly kind: 'bare' | 'cloakroom' | 'peer';
  /** Where the session lives. */
  readonly store: 'none' | 'memory' | 'redis' | 'postgres' | 'cookie';
  /** The packages whose versions the report names. */
  readonly packages: readonly string[];
  /** For Cloakroom variants: the peer variant it is compared with, when the group has a like one. */
  readonly peer?: string;
  /**
   * For Cloakroom variants: `store` (a session store behind a signed id, the default), `sealed` (the
   * record sealed into the cookie, issue 18) or `compat` (express-session's API, issue 19).
   */
  readonly mode?: 'store' | 'sealed' | 'compat';
}

export const VARIANTS: readonly Variant[] = [
  {
    id: 'express-bare',
    group: 'express',
    label: 'Express, no session',
    kind: 'bare',
    store: 'none',
    packages: ['express'],
  },
  {
    id: 'express-cloakroom-memory',
    group: 'express',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-express'],
    peer: 'express-session-memory',
  },
  {
    id: 'express-cloakroom-redis',
    group: 'express',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-express', '@cloakroom/session-redis', 'ioredis'],
    peer: 'express-session-redis',
  },
  {
    id: 'express-cloakroom-postgres',
    group: 'express',
    label: 'Cloakroom, PostgreSQL (Kysely)',
    kind: 'cloakroom',
    store: 'postgres',
    packages: ['@cloakroom/session-express', '@cloakroom/session-kysely', 'kysely', 'pg'],
    peer: 'express-session-redis',
  },
  {
    id: 'express-cloakroom-sealed',
    group: 'express',
    label: 'Cloakroom, sealed cookies',
    kind: 'cloakroom',
    store: 'cookie',
    packages: ['@cloakroom/session-express'],
    peer: 'express-iron-session',
    mode: 'sealed',
  },
  {
    id: 'express-cloakroom-compat',
    group: 'express',
    label: 'Cloakroom compat (express-session API), memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-express'],
    peer: 'express-session-memory',
    mode: 'compat',
  },
  {
    id: 'express-session-memory',
    group: 'express',
    label: 'express-session, MemoryStore',
    kind: 'peer',
    store: 'memory',
    packages: ['express-session'],
  },
  {
    id: 'express-session-redis',
    group: 'express',
    label: 'express-session + connect-redis',
    kind: 'peer',
    store: 'redis',
    packages: ['express-session', 'connect-redis', 'redis'],
  },
  {
    id: 'express-iron-session',
    group: 'express',
    label: 'iron-session (sealed cookie)',
    kind: 'peer',
    store: 'cookie',
    packages: ['iron-session'],
  },
  { id: 'koa-bare', group: 'koa', label: 'Koa, no session', kind: 'bare', store: 'none', packages: ['koa'] },
  {
    id: 'koa-cloakroom-memory',
    group: 'koa',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-koa'],
    peer: 'koa-session-cookie',
  },
  {
    id: 'koa-cloakroom-redis',
    group: 'koa',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-koa', '@cloakroom/session-redis', 'ioredis'],
    peer: 'koa-session-redis',
  },
  {
    id: 'koa-cloakroom-sealed',
    group: 'koa',
    label: 'Cloakroom, sealed cookies',
    kind: 'cloakroom',
    store: 'cookie',
    packages: ['@cloakroom/session-koa'],
    peer: 'koa-session-cookie',
    mode: 'sealed',
  },
  {
    id: 'koa-session-cookie',
    group: 'koa',
    label: 'koa-session, cookie mode',
    kind: 'peer',
    store: 'cookie',
    packages: ['koa-session'],
  },
  {
    id: 'koa-session-redis',
    group: 'koa',
    label: 'koa-session + koa-redis',
    kind: 'peer',
    store: 'redis',
    packages: ['koa-session', 'koa-redis'],
  },
  {
    id: 'hono-bare',
    group: 'hono',
    label: 'Hono, no session',
    kind: 'bare',
    store: 'none',
    packages: ['hono', '@hono/node-server'],
  },
  {
    id: 'hono-cloakroom-memory',
    group: 'hono',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-hono'],
    peer: 'hono-sessions-memory',
  },
  {
    id: 'hono-cloakroom-redis',
    group: 'hono',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-hono', '@cloakroom/session-redis', 'ioredis'],
    peer: 'hono-sessions-memory',
  },
  {
    id: 'hono-cloakroom-sealed',
    group: 'hono',
    label: 'Cloakroom, sealed cookies',
    kind: 'cloakroom',
    store: 'cookie',
    packages: ['@cloakroom/session-hono'],
    peer: 'hono-sessions-cookie',
    mode: 'sealed',
  },
  {
    id: 'hono-sessions-memory',
    group: 'hono',
    label: 'hono-sessions, MemoryStore',
    kind: 'peer',
    store: 'memory',
    packages: ['hono-sessions'],
  },
  {
    id: 'hono-sessions-cookie',
    group: 'hono',
    label: 'hono-sessions, CookieStore',
    kind: 'peer',
    store: 'cookie',
    packages: ['hono-sessions'],
  },
  {
    id: 'fastify-bare',
    group: 'fastify',
    label: 'Fastify, no session',
    kind: 'bare',
    store: 'none',
    packages: ['fastify'],
  },
  {
    id: 'fastify-cloakroom-memory',
    group: 'fastify',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-fastify'],
    peer: 'fastify-session',
  },
  {
    id: 'fastify-cloakroom-redis',
    group: 'fastify',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-fastify'],
  },
  {
    id: 'fastify-session',
    group: 'fastify',
    label: '@fastify/session, memory',
    kind: 'peer',
    store: 'memory',
    packages: ['@fastify/session', '@fastify/cookie'],
  },
  {
    id: 'nest-bare',
    group: 'nest',
    label: 'NestJS (Express platform), no session',
    kind: 'bare',
    store: 'none',
    packages: ['@nestjs/core', '@nestjs/platform-express'],
  },
  {
    id: 'nest-cloakroom-memory',
    group: 'nest',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-nest'],
  },
  {
    id: 'nest-cloakroom-redis',
    group: 'nest',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-nest', '@cloakroom/session-redis', 'ioredis'],
  },
  {
    id: 'next-bare',
    group: 'next',
    label: 'Next.js Route Handlers, no session',
    kind: 'bare',
    store: 'none',
    packages: ['next'],
  },
  {
    id: 'next-cloakroom-memory',
    group: 'next',
    label: 'Cloakroom, memory store',
    kind: 'cloakroom',
    store: 'memory',
    packages: ['@cloakroom/session-next'],
  },
  {
    id: 'next-cloakroom-redis',
    group: 'next',
    label: 'Cloakroom, Redis',
    kind: 'cloakroom',
    store: 'redis',
    packages: ['@cloakroom/session-next', '@cloakroom/session-redis', 'ioredis'],
  },
];

export const GROUPS: readonly Group[] = ['express', 'koa', 'hono', 'fastify', 'nest', 'next'];

/** The bare variant of a group. */
export function bareOf(group: Group): Variant {
  const bare = VARIANTS.find((variant) => variant.group === group && variant.kind === 'bare');
  if (!bare) throw new Error(`bench: group ${group} has no bare variant`);
  return bare;
}

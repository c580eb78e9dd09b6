import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root: string = fileURLToPath(new URL('../..', import.meta.url));

export interface Block {
  /** The README, relative to the root. */
  readonly readme: string;
  /** 1-based position among the README's code blocks of this kind. */
  readonly index: number;
  /** Line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'tsx' | 'js';
  readonly code: string;
}

/** Every `ts`, `tsx` and `js` fenced block of a README, in order. */
export function codeBlocks(readme: string): Block[] {
  const text = readFileSync(join(root, readme), 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```(ts|tsx|js)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      readme,
      index: blocks.length + 1,
      line: text.slice(0, match.index).split('\n').length,
      lang: match[1] as Block['lang'],
      code: match[2]!,
    });
  }
  return blocks;
}

/**
 * A `node_modules` for README examples outside the workspace: every Cloakroom package (linked to its
 * folder, so its built `dist`) and every third-party package the packages installed, linked to the
 * workspace's copies. Example files there resolve imports as in an app that installed them all.
 */
export function linkNodeModules(into: string): void {
  const packages = readdirSync(join(root, 'packages'));
  const target = join(into, 'node_modules');
  const link = (name: string, from: string): void => {
    const at = join(target, name);
    try {
      lstatSync(at);
      return; // the first copy wins; the packages share one version of each framework
    } catch {}
    mkdirSync(join(at, '..'), { recursive: true });
    symlinkSync(from, at);
  };
  for (const dir of packages) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
    };
    link(manifest.name, join(root, 'packages', dir));
  }
  for (const base of [
    join(root, 'node_modules'),
    ...packages.map((dir) => join(root, 'packages', dir, 'node_modules')),
  ]) {
    let entries: string[];
    try {
      entries = readdirSync(base).filter((entry) => !entry.startsWith('.'));
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(base, entry)))
          link(`${entry}/${scoped}`, join(base, entry, scoped));
      } else {
        link(entry, join(base, entry));
      }
    }
  }
}

// What a fragment takes from the text around it (a `session` in hand, the store built above), prepended
// to the block. Keyed by README, then by code that only that block of the README contains, not by the
// block's position: a README gaining a block elsewhere keeps every context on its fragment.
// readmes.test.ts fails for a context that no block, or more than one, contains.
export const CONTEXT: Record<string, Record<string, string>> = {
  'packages/adapter-test/README.md': {
    "describeAdapterTargets('myframework 2', { start: (options) => listen(scenarioApp(options).handler), redis });":
      "import { scenarioApp } from './testing/scenario-app.ts';",
  },
  'packages/core/README.md': {
    "session.set('cart', ['apple']);": `import type { Session } from '@cloakroom/session-core';
declare const session: Session<{ cart: string[]; count: number; notice: string }>;`,
    'if (rememberMe) session.setLifetime(': `import type { Session } from '@cloakroom/session-core';
declare const session: Session;
declare const user: { id: string };
declare const rememberMe: boolean;`,
    'formField: async () => readFormField(req)': `declare function readFormField(req: Request): Promise<string | undefined>;`,
    'tieredStore({ cache: redisStore({ client }), durable: kyselyStore({ db }) })': `import { type AnyKysely, kyselyStore } from '@cloakroom/session-kysely';
import { redisStore } from '@cloakroom/session-redis';
import type { Redis } from 'ioredis';
declare const client: Redis;
declare const db: AnyKysely;`,
  },
  'packages/fastify/README.md': {
    "app.get('/events', async (request, reply) => {": `import type { FastifyInstance } from 'fastify';
declare const app: FastifyInstance;`,
    "request.session.set('vists', 1);": `import type { FastifyRequest } from 'fastify';
declare const request: FastifyRequest;`,
  },
  'packages/hono/README.md': {
    "// c.get('session').get('visits')": `import { Hono } from 'hono';`,
  },
  'packages/koa/README.md': {
    "ctx.session.set('vists', 1);": `import type { Context } from 'koa';
declare const ctx: Context;`,
  },
  'packages/kysely/README.md': {
    'const migrator = new Migrator({': `import type { AnyKysely } from '@cloakroom/session-kysely';
declare const db: AnyKysely;`,
    'onError: (error) => logger.warn(error),': `import { type AnyKysely, kyselyStore } from '@cloakroom/session-kysely';
import type { Redis } from 'ioredis';
declare const db: AnyKysely;
declare const redis: Redis;
declare const logger: { warn(error: unknown): void };`,
  },
  'packages/memcached/README.md': {
    "const store = memcachedStore({ clients, prefix: 'myapp:sess:' });": `import { memcachedStore } from '@cloakroom/session-memcached';`,
  },
  'packages/nest/README.md': {
    'SessionModule.forRootAsync({': `import { SessionModule } from '@cloakroom/session-nest';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
// @nestjs/config, as the app installs it
declare class ConfigModule {}
declare class ConfigService {
  getOrThrow<T = string>(key: string): T;
}`,
    'export class CartResolver {': `import { Session, SessionService } from '@cloakroom/session-nest';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';`,
    'export class ChatGateway implements OnGatewayConnection {': `import { SessionService } from '@cloakroom/session-nest';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';`,
  },
};

/** The hidden contexts `block` contains the key of, as [key, code] (its context, when there is exactly one). */
export const contextsOf = (block: Block): [string, string][] =>
  Object.entries(CONTEXT[block.readme] ?? {}).filter(([where]) => block.code.includes(where));

// Files a README's example imports but leaves to the reader.
export const READER_FILES: Record<string, Record<string, string>> = {
  // The reader's own app and server launcher, which the kit's README imports.
  'packages/adapter-test/README.md': {
    'testing/scenario-app.ts': `import type { RequestListener } from 'node:http';
import type { SessionManagerOptions } from '@cloakroom/session-core';
export declare function scenarioApp(options: SessionManagerOptions): { handler: RequestListener };
`,
    'testing/server.ts': `export declare function startMyServer(): Promise<{ baseUrl: string; stop(): Promise<void> }>;
`,
  },
  'packages/store-test/README.md': {
    'my-redis-store.ts': `import type { AnySessionStore } from '@cloakroom/session-core';
import type { Redis } from 'ioredis';
export declare function myRedisStore(options: { client: Redis; prefix: string }): AnySessionStore;
`,
  },
};

/**
 * Writes a README's blocks into `folder` as the files of one program: a block whose first line is
 * `// name.ts` becomes that file (so the others can import it; a second block of the same name gets its
 * number), any other `block-<n>.<ext>`. Context goes first; a line the README marks `// type error` must
 * fail to compile. Returns each block's file name, in order.
 */
export function writeProgram(folder: string, blocks: readonly Block[]): string[] {
  mkdirSync(folder, { recursive: true });
  const names: string[] = [];
  for (const block of blocks) {
    const extension = block.lang === 'js' ? 'mjs' : block.lang;
    const named = /^\/\/ ([\w.-]+)\.(?:ts|tsx|js|mjs)\b/.exec(block.code)?.[1];
    let name = named ? `${named}.${extension}` : `block-${block.index}.${extension}`;
    if (names.includes(name)) name = `${named ?? 'block'}-${block.index}.${extension}`;
    const code = block.code.replace(
      /^(\s*)(.*\/\/ type error.*)$/gm,
      '$1// @ts-expect-error (the README says so)\n$1$2',
    );
    const contexts = contextsOf(block);
    if (contexts.length > 1) {
      throw new Error(`${block.readme} block ${block.index}: more than one context matches it`);
    }
    const context = contexts[0]?.[1];
    writeFileSync(join(folder, name), `${context ? `${context}\n` : ''}${code}\nexport {};\n`);
    names.push(name);
  }
  for (const [name, text] of Object.entries(READER_FILES[blocks[0]?.readme ?? ''] ?? {})) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  return names;
}

/** A strict app's settings (not this repository's extra ones: a reader's app need not have them). */
export const compilerOptions = (js: boolean): Record<string, unknown> => ({
  target: 'es2023',
  lib: ['es2023', 'dom'],
  module: 'preserve',
  moduleResolution: 'bundler',
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: !js,
  allowJs: js,
  checkJs: js,
  skipLibCheck: true,
  verbatimModuleSyntax: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  jsx: 'react-jsx',
  types: ['node'],
  typeRoots: [join(root, 'node_modules/@types')],
});

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Block, codeBlocks, linkNodeModules, root } from './readme-blocks.ts';

// Every README's TypeScript and JavaScript examples, type-checked as an app would compile them: each
// README's blocks are files of one program (a block whose first line is `// name.ts` is that file, so
// the others can import it), in a folder outside the workspace whose node_modules holds the built
// packages. Next.js's README is checked by its own package (packages/next/test/readme.test.ts), inside
// the test app its path aliases need.
const READMES = [
  'README.md',
  ...['core', 'express', 'hono', 'koa', 'kysely', 'memcached', 'nest', 'redis', 'store-test'].map(
    (name) => `packages/${name}/README.md`,
  ),
];

// What a fragment takes from the text around it (a `session` in hand, the store built above), prepended
// to the block. Keyed by README and block number.
const CONTEXT: Record<string, string> = {
  'packages/core/README.md#2': `import type { Session } from '@cloakroom/session-core';
declare const session: Session<{ cart: string[]; count: number; notice: string }>;`,
  'packages/core/README.md#4': `import { type AnyKysely, kyselyStore } from '@cloakroom/session-kysely';
import { redisStore } from '@cloakroom/session-redis';
import type { Redis } from 'ioredis';
declare const client: Redis;
declare const db: AnyKysely;`,
  'packages/hono/README.md#2': `import { Hono } from 'hono';`,
  'packages/koa/README.md#2': `import type { Context } from 'koa';
declare const ctx: Context;`,
  'packages/kysely/README.md#6': `import type { AnyKysely } from '@cloakroom/session-kysely';
declare const db: AnyKysely;`,
  'packages/kysely/README.md#7': `import { type AnyKysely, kyselyStore } from '@cloakroom/session-kysely';
import type { Redis } from 'ioredis';
declare const db: AnyKysely;
declare const redis: Redis;
declare const logger: { warn(error: unknown): void };`,
  'packages/memcached/README.md#2': `import { memcachedStore } from '@cloakroom/session-memcached';`,
  'packages/nest/README.md#4': `import { SessionModule } from '@cloakroom/session-nest';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
// @nestjs/config, as the app installs it
declare class ConfigModule {}
declare class ConfigService {
  getOrThrow<T = string>(key: string): T;
}`,
  'packages/nest/README.md#5': `import { Session, SessionService } from '@cloakroom/session-nest';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';
interface AppSession extends Record<string, unknown> {
  cart: string[];
}`,
  'packages/nest/README.md#6': `import { SessionService } from '@cloakroom/session-nest';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';`,
};

// Files a README's example imports but leaves to the reader.
const READER_FILES: Record<string, Record<string, string>> = {
  'packages/store-test/README.md': {
    'my-redis-store.ts': `import type { AnySessionStore } from '@cloakroom/session-core';
import type { Redis } from 'ioredis';
export declare function myRedisStore(options: { client: Redis; prefix: string }): AnySessionStore;
`,
  },
};

/** The file a block becomes, and its text: context first, `// type error` lines expected to fail. */
function sourceOf(block: Block): { name: string; text: string } {
  const named = /^\/\/ ([\w.-]+\.(?:ts|tsx|js|mjs))\b/.exec(block.code)?.[1];
  const extension = block.lang === 'js' ? 'mjs' : block.lang;
  const name = named?.replace(/\.js$/, '.mjs') ?? `block-${block.index}.${extension}`;
  const code = block.code.replace(
    /^(\s*)(.*\/\/ type error.*)$/gm,
    '$1// @ts-expect-error (the README says so)\n$1$2',
  );
  const context = CONTEXT[`${block.readme}#${block.index}`];
  return { name, text: `${context ? `${context}\n` : ''}${code}\nexport {};\n` };
}

const tsc = join(root, 'node_modules/.bin/tsc');
// A JavaScript reader gets no type checking, so their examples are held to the names they use: modules,
// exports, properties and methods, option keys, argument counts (and the servers among them run, in
// readme-servers.test.ts). A continuation line of a diagnostic starts with spaces and is dropped too.
const JS_NAME_ERRORS = /error TS(2305|2307|2339|2353|2551|2554|2724):/;
const run = promisify(execFile);

/** A strict app's settings (not this repository's extra ones: a reader's app need not have them). */
const compilerOptions = (js: boolean) => ({
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

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloakroom-readmes-'));
  linkNodeModules(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(READMES)('%s', (readme) => {
  const blocks = codeBlocks(readme);

  const kinds = (['ts', 'js'] as const).filter((kind) =>
    blocks.some((block) => (block.lang === 'js') === (kind === 'js')),
  );
  it.each(kinds)('its %s examples type-check', async (kind) => {
    const mine = blocks.filter((block) => (block.lang === 'js') === (kind === 'js'));
    const folder = join(dir, readme.replace(/\W+/g, '-'), kind);
    mkdirSync(folder, { recursive: true });
    const files: string[] = [];
    for (const block of mine) {
      const { name, text } = sourceOf(block);
      writeFileSync(join(folder, name), text);
      files.push(name);
    }
    for (const [name, text] of Object.entries(READER_FILES[readme] ?? {}))
      writeFileSync(join(folder, name), text);
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: compilerOptions(kind === 'js'), files }),
    );
    const where = mine.map((block) => `${block.lang} block ${block.index} at line ${block.line}`).join(', ');
    const output = await run(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: folder }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    const errors = output
      .split('\n')
      .filter((line) => line.trim() !== '' && (kind === 'ts' || JS_NAME_ERRORS.test(line)));
    expect(errors, `${readme} (${where}), files in ${folder}`).toEqual([]);
  });
});

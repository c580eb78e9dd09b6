import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTEXT,
  codeBlocks,
  compilerOptions,
  contextsOf,
  linkNodeModules,
  root,
  writeProgram,
} from './readme-blocks.ts';

// Every README's TypeScript and JavaScript examples, type-checked as an app would compile them: each
// README's blocks are files of one program (a block whose first line is `// name.ts` is that file, so
// the others can import it), in a folder outside the workspace whose node_modules holds the built
// packages. Next.js's README is checked by its own package (packages/next/test/readme.test.ts), inside
// the test app its path aliases need.
const READMES = [
  'README.md',
  ...[
    'adapter-test',
    'core',
    'express',
    'fastify',
    'hono',
    'koa',
    'kysely',
    'memcached',
    'nest',
    'redis',
    'store-test',
  ].map((name) => `packages/${name}/README.md`),
];

const tsc = join(root, 'node_modules/.bin/tsc');
// A JavaScript reader gets no type checking, so their examples are held to the names they use: modules,
// exports, properties and methods, option keys, argument counts (and the servers among them run, in
// readme-servers.test.ts). A continuation line of a diagnostic starts with spaces and is dropped too.
const JS_NAME_ERRORS = /error TS(2305|2307|2339|2353|2551|2554|2724):/;
const run = promisify(execFile);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloakroom-readmes-'));
  linkNodeModules(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A context found by a line of its block must still find exactly that one block: a README edit that
// drops or repeats the line fails here, by name, instead of leaving a fragment without what it needs.
it.each(
  Object.entries(CONTEXT).flatMap(([readme, contexts]) =>
    Object.keys(contexts).map((where) => [readme, where] as const),
  ),
)('the hidden context of %s for `%s` belongs to one block', (readme, where) => {
  expect(READMES).toContain(readme);
  const owners = codeBlocks(readme).filter((block) => contextsOf(block).some(([key]) => key === where));
  expect(owners.map((block) => block.line)).toHaveLength(1);
});

describe.each(READMES)('%s', (readme) => {
  const blocks = codeBlocks(readme);

  const kinds = (['ts', 'js'] as const).filter((kind) =>
    blocks.some((block) => (block.lang === 'js') === (kind === 'js')),
  );
  it.each(kinds)('its %s examples type-check', async (kind) => {
    const mine = blocks.filter((block) => (block.lang === 'js') === (kind === 'js'));
    const folder = join(dir, readme.replace(/\W+/g, '-'), kind);
    const files = writeProgram(folder, mine);
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

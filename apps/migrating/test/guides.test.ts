import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks, root } from '../../../docs/test/readme-blocks.ts';

// The guides in docs/migrating quote the example apps under src/ instead of carrying their own copies:
// each TypeScript block sits right under a `<!-- quote: src/<file>.ts#<region> -->` line and must be,
// character for character, the lines between `// #region <region>` and `// #endregion` in that file,
// which flows.test.ts runs and `pnpm typecheck` compiles. So a guide's code cannot drift from code that
// works. Every region is quoted somewhere, so no example is kept that no guide shows.

const app = join(import.meta.dirname, '..');
const guidesDir = join(root, 'docs', 'migrating');
const guides = readdirSync(guidesDir)
  .filter((name) => name.endsWith('.md') && name !== 'README.md')
  .map((name) => relative(root, join(guidesDir, name)));

const QUOTE = /^<!-- quote: (src\/[\w./-]+\.ts)#([\w-]+) -->$/;

/** The text of `// #region <name>` … `// #endregion` in an example file, with a trailing newline. */
function region(file: string, name: string): string {
  const lines = readFileSync(join(app, file), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
  if (start === -1) throw new Error(`${file} has no region ${name}`);
  const end = lines.findIndex((line, at) => at > start && line.trim() === '// #endregion');
  if (end === -1) throw new Error(`${file}: region ${name} is not closed`);
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

/** Every region of every example file, as `src/<file>.ts#<region>`. */
function allRegions(): string[] {
  const found: string[] = [];
  for (const folder of readdirSync(join(app, 'src'))) {
    for (const file of readdirSync(join(app, 'src', folder)).filter((name) => name.endsWith('.ts'))) {
      const path = `src/${folder}/${file}`;
      for (const match of readFileSync(join(app, path), 'utf8').matchAll(/^\s*\/\/ #region ([\w-]+)$/gm)) {
        found.push(`${path}#${match[1]}`);
      }
    }
  }
  return found;
}

it('there is a guide for each of the five peers', () => {
  expect(guides.map((guide) => guide.replace('docs/migrating/', '')).sort()).toEqual([
    'express-session.md',
    'fastify-session.md',
    'hono-sessions.md',
    'iron-session.md',
    'koa-session.md',
  ]);
});

describe.each(guides)('%s', (guide) => {
  const lines = readFileSync(join(root, guide), 'utf8').split('\n');
  const blocks = codeBlocks(guide).filter((block) => block.lang === 'ts');

  it('shows code', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((block) => [block.line, block] as const))(
    'the block at line %i quotes an example file exactly',
    (_line, block) => {
      const marker = QUOTE.exec(lines[block.line - 2] ?? '');
      expect(marker, `the line above the fence is a <!-- quote: src/….ts#region --> marker`).not.toBeNull();
      const [, file = '', name = ''] = marker!;
      expect(block.code).toBe(region(file, name));
    },
  );
});

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors a Markdown file's headings get. */
const anchorsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map((match) => slug(match[1]!));

// Links a reader follows: to files of the repository (which must exist) and to their headings.
it.each(['docs/migrating/README.md', ...guides])('the relative links of %s resolve', (doc) => {
  const text = readFileSync(join(root, doc), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
  const broken: string[] = [];
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const file = path === '' ? join(root, doc) : join(root, dirname(doc), path);
    if (!existsSync(file)) broken.push(target);
    else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).includes(anchor))
      broken.push(target);
  }
  expect(broken).toEqual([]);
});

it('every region of the example files is quoted by a guide', () => {
  const quoted = new Set(
    guides.flatMap((guide) =>
      readFileSync(join(root, guide), 'utf8')
        .split('\n')
        .flatMap((line) => {
          const marker = QUOTE.exec(line);
          return marker ? [`${marker[1]}#${marker[2]}`] : [];
        }),
    ),
  );
  expect(allRegions().filter((where) => !quoted.has(where))).toEqual([]);
});

#!/usr/bin/env node
// Type tests for every adapter, one mechanism: each folder under `test-types/` (in the package this runs
// from) is its own TypeScript project, because a module augmentation is global to a program. The folder is
// compiled with the repository's `tsc --noEmit`, and every error must be announced by a marker on the line
// before it:
//
//   req.session.set('cart', ['tea']);        // the positive control: must compile
//   // @type-error TS2345 a misspelled key
//   req.session.set('crat', ['tea']);        // must fail, with exactly TS2345
//
// A fixture passes when each marked line fails with its code and nothing else fails. A fixture with no
// marker is refused (it could not catch a typo), and so is one whose marked file tsc never compiled.
// Unlike `@ts-expect-error`, which any error satisfies, the code is checked, so a negative that fails
// for the wrong reason (a broken import, a missing augmentation) fails the run.
//
// Usage (from a package folder): node ../../scripts/type-fixtures.mjs [fixture folder...]

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tsc = resolve(import.meta.dirname, '../node_modules/.bin/tsc');
const MARKER = /^\s*\/\/\s*@type-error\s+(TS\d+)\b/;
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;

/** The fixture folders: those named on the command line, or every `test-types/*` with a tsconfig. */
function fixtureFolders(args) {
  if (args.length > 0) return args.map((arg) => resolve(arg));
  const root = resolve('test-types');
  if (!existsSync(root)) throw new Error(`type-fixtures: no test-types folder in ${process.cwd()}`);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'tsconfig.json')))
    .map((entry) => join(root, entry.name))
    .sort();
}

/** `file:line` → expected code, read from the markers of the fixture's own `.ts`/`.tsx` files. */
function expectations(folder) {
  const expected = new Map();
  for (const name of readdirSync(folder)) {
    if (!/\.tsx?$/.test(name)) continue;
    const file = join(folder, name);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      const match = MARKER.exec(text);
      // Markers are 1-based line `index + 1`; the line they describe is the next one.
      if (match) expected.set(`${file}:${index + 2}`, match[1]);
    });
  }
  return expected;
}

/** Every error tsc reports for the project, as `file:line` and code (or the raw line when unlocated). */
async function diagnostics(folder) {
  const output = await run(tsc, ['-p', join(folder, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], {
    cwd: folder,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout }) => stdout,
    (error) => `${error.stdout ?? ''}${error.stderr ?? ''}` || String(error),
  );
  const found = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '' || /^\s/.test(line)) continue; // blank, or the continuation of a message
    const match = DIAGNOSTIC.exec(line);
    if (match) found.push({ at: `${resolve(folder, match[1])}:${match[2]}`, code: match[4], text: line });
    else found.push({ at: null, code: null, text: line });
  }
  return found;
}

async function check(folder) {
  const name = relative(process.cwd(), folder) || basename(folder);
  const expected = expectations(folder);
  const problems = [];
  if (expected.size === 0) problems.push('no `// @type-error TSxxxx` marker: a fixture needs a negative');
  const found = await diagnostics(folder);
  const failedThere = new Set();
  for (const error of found) {
    const code = error.at === null ? undefined : expected.get(error.at);
    if (error.at !== null) failedThere.add(error.at);
    if (code !== undefined && code === error.code) continue;
    if (code !== undefined) problems.push(`expected ${code}, got: ${error.text}`);
    else problems.push(`unexpected: ${error.text}`);
  }
  for (const [at, code] of expected) {
    if (!failedThere.has(at))
      problems.push(`${relative(folder, at)}: expected ${code}, but tsc reported no error there`);
  }
  const summary = `${name}: ${expected.size} negative(s) failed as expected, the rest compiled`;
  return problems.length === 0
    ? { ok: true, text: summary }
    : { ok: false, text: `${name}:\n  ${problems.join('\n  ')}` };
}

const folders = fixtureFolders(process.argv.slice(2));
let failed = false;
// One project at a time: the machines that run this have two cores and other packages beside it.
for (const folder of folders) {
  const result = await check(folder);
  failed ||= !result.ok;
  (result.ok ? console.log : console.error)(result.ok ? `ok   ${result.text}` : `FAIL ${result.text}`);
}
if (folders.length === 0) {
  console.error(`type-fixtures: no fixture under ${join(process.cwd(), 'test-types')}`);
  failed = true;
}
process.exitCode = failed ? 1 : 0;

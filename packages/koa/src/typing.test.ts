import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsc = resolve(import.meta.dirname, '../../../node_modules/.bin/tsc');

// Module augmentation is global to a program, so each typing case is its own tsc project; the
// `@ts-expect-error` lines in them make a wrong type fail the compile as surely as a missing one.
describe('ctx.session typing', () => {
  it.each(['augmented', 'plain'])('compiles the %s app', async (project) => {
    const config = resolve(import.meta.dirname, `../test-types/${project}/tsconfig.json`);
    const result = await run(tsc, ['-p', config, '--noEmit']).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: unknown; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? '' }),
    );
    expect(result).toEqual({ code: 0, stdout: '' });
  });
});

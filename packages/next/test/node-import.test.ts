import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Next may load a package unbundled in Node (the Pages Router's default for dependencies, or
// serverExternalPackages): the built package must resolve its `next/*` imports there too.
describe('the built package', () => {
  it('loads in plain Node, without a bundler', () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const script = `
      const m = await import('@cloakroom/session-next');
      const { memoryStore } = await import('@cloakroom/session-core');
      const sessions = m.createNextSession({ store: memoryStore({ warn: false, sweepInterval: 0 }), secret: 'x'.repeat(32) });
      console.log(Object.keys(m).join(','), typeof sessions.withSessionApiRoute);
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('createNextSession function');
  });
});

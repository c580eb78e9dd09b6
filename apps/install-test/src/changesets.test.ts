import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { published, root, run, workspacePackages } from './workspace.ts';

const cli = join(dirname(createRequire(import.meta.url).resolve('@changesets/cli/package.json')), 'bin.js');
const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `changeset version` on a copy of the workspace's manifests and the changesets config, with every
 * published package at `from` and one changeset bumping core, and returns each published package's new
 * version.
 */
async function versionAfterCoreBump(from: string, bump: 'patch' | 'minor'): Promise<Map<string, string>> {
  const copy = mkdtempSync(join(tmpdir(), 'cloakroom-changesets-'));
  copies.push(copy);
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  for (const pkg of workspacePackages()) {
    mkdirSync(join(copy, pkg.dir), { recursive: true });
    const manifest = pkg.private ? pkg.manifest : { ...pkg.manifest, version: from };
    writeFileSync(join(copy, pkg.dir, 'package.json'), JSON.stringify(manifest, null, 2));
  }
  writeFileSync(
    join(copy, '.changeset/core-change.md'),
    `---\n'@cloakroom/session-core': ${bump}\n---\n\nA change in core.\n`,
  );
  await run(process.execPath, [cli, 'version'], { cwd: copy });
  return new Map(
    published().map((pkg) => {
      const manifest = JSON.parse(readFileSync(join(copy, pkg.dir, 'package.json'), 'utf8')) as {
        version: string;
      };
      return [pkg.name, manifest.version];
    }),
  );
}

const major = (version: string): string => version.split('.')[0]!;

// The published packages release together (a `fixed` group), and a core release that stays inside the
// adapters' peer range of core must not force a new major of every adapter and store.
describe('changeset version', () => {
  it.each([
    ['0.1.0', 'patch', '0.1.1'],
    ['1.0.0', 'patch', '1.0.1'],
    ['1.0.0', 'minor', '1.1.0'],
  ] as const)(
    'from %s, a core %s moves every published package to %s, none to a new major',
    async (from, bump, to) => {
      const versions = await versionAfterCoreBump(from, bump);
      expect(versions.size).toBeGreaterThan(1);
      for (const [name, version] of versions) {
        expect(major(version), `${name} ${version}`).toBe(major(from));
        expect(version, name).toBe(to);
      }
    },
  );
});

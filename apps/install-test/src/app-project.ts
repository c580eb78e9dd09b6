import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { published, root, run, tarballName } from './workspace.ts';

/** A package this workspace installed, as a `link:` to its folder in the workspace's pnpm store. */
const linkTo = (from: string, name: string): string =>
  `link:${realpathSync(join(from, 'node_modules', name))}`;

/**
 * A new app outside the workspace that installs the given Cloakroom packages from their packed tarballs
 * (plus core, which every adapter and store has as a peer) and the given frameworks. pnpm runs offline with
 * an empty metadata cache, as on a fresh machine: frameworks and the packages' own dependencies are linked
 * to the copies this workspace installed, so nothing is resolved from a registry.
 */
export async function installApp(
  tarballs: string,
  cloakroom: readonly string[],
  frameworks: readonly (string | readonly [name: string, installedAs: string])[],
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-app-'));
  const packages = published();
  const dependencies: Record<string, string> = {};
  const overrides: Record<string, string> = {};
  for (const name of ['@cloakroom/session-core', ...cloakroom]) {
    const pkg = packages.find((candidate) => candidate.name === name);
    if (!pkg) throw new Error(`${name} is not a published workspace package`);
    dependencies[name] = `file:${join(tarballs, tarballName(pkg))}`;
    for (const dependency of Object.keys((pkg.manifest.dependencies as object | undefined) ?? {})) {
      overrides[dependency] = linkTo(join(root, pkg.dir), dependency);
    }
  }
  for (const framework of frameworks) {
    // [name, alias]: an older version this package installed under an alias (`kysely028` for kysely 0.28).
    const [name, installedAs] = typeof framework === 'string' ? [framework, framework] : framework;
    dependencies[name] = linkTo(join(root, 'apps/install-test'), installedAs);
    overrides[name] = dependencies[name];
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies }));
  // pmOnFail: outside the repository's workspace, pnpm would otherwise look up its own binaries online.
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), JSON.stringify({ pmOnFail: 'ignore', overrides }));
  await run(
    'pnpm',
    [
      'install',
      '--offline',
      '--ignore-scripts',
      '--reporter=silent',
      `--cache-dir=${join(dir, '.pnpm-cache')}`,
    ],
    { cwd: dir },
  );
  return dir;
}

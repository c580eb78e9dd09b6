import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { published, run, tarballName } from './workspace.ts';

const here = createRequire(import.meta.url);
/** The version this workspace installed, so the offline install below finds it in pnpm's store. */
const installed = (name: string): string => (here(`${name}/package.json`) as { version: string }).version;

/**
 * A new app outside the workspace that installs the given Cloakroom packages from their packed tarballs
 * (plus core, which every adapter and store has as a peer) and the given frameworks, with pnpm offline:
 * only what is already in pnpm's store, no network.
 */
export async function installApp(
  tarballs: string,
  cloakroom: readonly string[],
  frameworks: readonly string[],
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-app-'));
  const packages = published();
  const dependencies: Record<string, string> = {};
  for (const name of ['@cloakroom/session-core', ...cloakroom]) {
    const pkg = packages.find((candidate) => candidate.name === name);
    if (!pkg) throw new Error(`${name} is not a published workspace package`);
    dependencies[name] = `file:${join(tarballs, tarballName(pkg))}`;
  }
  for (const name of frameworks) dependencies[name] = installed(name);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies }));
  // Outside the repository's workspace, pnpm would otherwise look up its own binaries online (TOOLCHAIN).
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'pmOnFail: ignore\n');
  await run('pnpm', ['install', '--offline', '--ignore-scripts', '--reporter=silent'], { cwd: dir });
  return dir;
}

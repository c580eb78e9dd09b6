import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run: (
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
) => Promise<{ stdout: string; stderr: string }> = promisify(execFile);

/** The repository root. */
export const root: string = fileURLToPath(new URL('../../..', import.meta.url));

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly private: boolean;
  readonly manifest: Record<string, unknown>;
}

/** Every package of the workspace (the globs of pnpm-workspace.yaml), read from disk. */
export function workspacePackages(): WorkspacePackage[] {
  const dirs = ['packages', 'apps', 'examples'].flatMap((parent) =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name)),
  );
  dirs.push('bench');
  return dirs.flatMap((dir) => {
    let text: string;
    try {
      text = readFileSync(join(root, dir, 'package.json'), 'utf8');
    } catch {
      return [];
    }
    const manifest = JSON.parse(text) as Record<string, unknown>;
    return [
      {
        name: String(manifest.name),
        version: String(manifest.version),
        dir,
        private: manifest.private === true,
        manifest,
      },
    ];
  });
}

/** The packages that go to the registry. */
export const published = (): WorkspacePackage[] => workspacePackages().filter((pkg) => !pkg.private);

/** `@cloakroom/session-core` → `cloakroom-session-core-0.1.0.tgz`, the name `pnpm pack` gives. */
export const tarballName = (pkg: WorkspacePackage): string =>
  `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;

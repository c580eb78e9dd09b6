import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { published, root, run } from './workspace.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder holding `pnpm pack`'s tarball of every published package, built as CI built it. */
    tarballs: string;
  }
}

// Packs every published package once: `pnpm pack` is what publishing uploads (workspace: ranges replaced,
// only `files` included), so the tests install exactly what a user's app would get.
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-tarballs-'));
  for (const pkg of published()) {
    await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(root, pkg.dir) });
  }
  project.provide('tarballs', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

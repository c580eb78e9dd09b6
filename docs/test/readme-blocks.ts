import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root: string = fileURLToPath(new URL('../..', import.meta.url));

export interface Block {
  /** The README, relative to the root. */
  readonly readme: string;
  /** 1-based position among the README's code blocks of this kind. */
  readonly index: number;
  /** Line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'tsx' | 'js';
  readonly code: string;
}

/** Every `ts`, `tsx` and `js` fenced block of a README, in order. */
export function codeBlocks(readme: string): Block[] {
  const text = readFileSync(join(root, readme), 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```(ts|tsx|js)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      readme,
      index: blocks.length + 1,
      line: text.slice(0, match.index).split('\n').length,
      lang: match[1] as Block['lang'],
      code: match[2]!,
    });
  }
  return blocks;
}

/**
 * A `node_modules` for README examples outside the workspace: every Cloakroom package (linked to its
 * folder, so its built `dist`) and every third-party package the packages installed, linked to the
 * workspace's copies. Example files there resolve imports as in an app that installed them all.
 */
export function linkNodeModules(into: string): void {
  const packages = readdirSync(join(root, 'packages'));
  const target = join(into, 'node_modules');
  const link = (name: string, from: string): void => {
    const at = join(target, name);
    try {
      lstatSync(at);
      return; // the first copy wins; the packages share one version of each framework
    } catch {}
    mkdirSync(join(at, '..'), { recursive: true });
    symlinkSync(from, at);
  };
  for (const dir of packages) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
    };
    link(manifest.name, join(root, 'packages', dir));
  }
  for (const base of [
    join(root, 'node_modules'),
    ...packages.map((dir) => join(root, 'packages', dir, 'node_modules')),
  ]) {
    let entries: string[];
    try {
      entries = readdirSync(base).filter((entry) => !entry.startsWith('.'));
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(base, entry)))
          link(`${entry}/${scoped}`, join(base, entry, scoped));
      } else {
        link(entry, join(base, entry));
      }
    }
  }
}

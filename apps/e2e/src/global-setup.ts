import { DEMOS, missingDemos, presentDemos } from './demos.ts';

/** Says up front which of the demos run and which are not in this checkout yet. */
export default function setup(): void {
  const present = presentDemos().map((demo) => demo.name);
  const missing = missingDemos().map((demo) => demo.name);
  console.log(
    `e2e: running ${present.length} of ${DEMOS.length} demos: ${present.join(', ') || 'none'}` +
      (missing.length > 0 ? `; not in this checkout yet: ${missing.join(', ')}` : ''),
  );
}

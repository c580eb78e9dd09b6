import { DEMOS, presentDemos, whyNotRun } from './demos.ts';

/** Says up front which of the demos run and why the others do not. */
export default function setup(): void {
  const present = presentDemos().map((demo) => demo.name);
  const lines = [`e2e: running ${present.length} of ${DEMOS.length} demos: ${present.join(', ') || 'none'}`];
  for (const demo of DEMOS) {
    const why = whyNotRun(demo);
    if (why !== null) lines.push(`e2e: not run: ${why}`);
  }
  console.log(lines.join('\n'));
}

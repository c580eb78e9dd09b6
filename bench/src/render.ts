/** Re-renders results/latest.md and ../docs/bench.svg from results/latest.json (after a report change). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markdown, svg } from './report.ts';
import type { Results } from './results.ts';

const out = fileURLToPath(new URL('../results/', import.meta.url));
const results = JSON.parse(readFileSync(`${out}latest.json`, 'utf8')) as Results;
writeFileSync(`${out}latest.md`, markdown(results));
writeFileSync(fileURLToPath(new URL('../../docs/bench.svg', import.meta.url)), svg(results));

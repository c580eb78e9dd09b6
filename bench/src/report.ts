/** Renders results as the Markdown report and the SVG ratio chart. */

import { reasonFor } from './reasons.ts';
import type { Results } from './results.ts';
import { GROUPS, ROUTES, VARIANTS } from './variants.ts';

const n0 = (n: number): string => Math.round(n).toLocaleString('en-US');
const n2 = (n: number): string => n.toFixed(2);
const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : '–');
const pct = (n: number): string => `±${((n / 2) * 100).toFixed(0)} %`;

function label(id: string): string {
  const variant = VARIANTS.find((v) => v.id === id);
  return variant ? variant.label : id;
}

function describeMachine(results: Results): string {
  const m = results.machine;
  return `${m.cpus} × ${m.model}, ${m.os}, Node ${m.node}; load average ${m.loadAverageStart.map(n2).join(' ')} at the start, ${m.loadAverageEnd.map(n2).join(' ')} at the end`;
}

const hitRate = (rate: number | null | undefined): string =>
  rate === null || rate === undefined
    ? '–'
    : `${(rate * 100).toFixed(rate > 0.999 || rate < 0.001 ? 1 : 0)} %`;
const loadLine = (label: string, load: readonly number[]): string =>
  `**Load average at ${label}: ${load.map(n2).join(' · ')}** (1, 5, 15 min)${load[0] !== undefined && load[0] >= 1 ? ' ⚠ not quiet (issue 15 asks for under 1 at the start)' : ''}`;

export function markdown(results: Results): string {
  const c = results.config;
  const hot = results.hot ?? {};
  const out: string[] = [];
  out.push(`# Cloakroom benchmark (${results.mode} run)`, '');
  out.push(loadLine('the start', results.machine.loadAverageStart), '');
  out.push(`Run ${results.startedAt} → ${results.finishedAt} on ${describeMachine(results)}.`, '');
  out.push(
    `Each server is its own process${results.machine.pinned ? ' pinned to core 0, with the load generator (autocannon) pinned to core 1' : ' (taskset was not usable: nothing is pinned)'}; ` +
      `${c.connections} connections, ${c.seconds} s per measurement, a ${c.warmupSeconds} s warm-up per route discarded, ` +
      `${c.sweeps} interleaved sweep(s) (variants of one framework take turns, in a rotated order each sweep); medians are reported, ` +
      `spread is (max − min) / median over the sweeps.`,
    '',
    `**Two rotations.** *Cold* (what the targets are judged on): ${n0(c.sessions)} sessions per variant, created before timing (not counted), ` +
      `${c.largestCache ? `${(c.sessions / c.largestCache).toFixed(1)}× the ${n0(c.largestCache)} entries of core's verified-cookie cache (the largest cache in the path); ` : ''}` +
      `connection c sends sessions c, c + ${c.connections}, c + ${2 * c.connections}, … moving on after every response. ` +
      `*Hot*: each connection keeps one session (${c.hotSweeps ?? 0} sweep(s) of ${c.hotSeconds ?? 0} s, interleaved with the cold ones). ` +
      "The cache hit rate is the server's own count (hits / verifications) over the measurements.",
    '',
    'Each ratio is the median of the per-sweep ratios (variant and baseline measured in the same sweep), shown with their min–max; a target is met when the median clears it.',
    '',
  );
  out.push(
    results.ratioBasis === 'cpu'
      ? "**Ratios compare server CPU cost**: responses per second of the server process's own CPU time (user + system, from /proc, over each measurement). " +
          'With the server pinned to one core and saturated by the connections this equals req/s on an idle machine; on a machine shared with other work, ' +
          "wall-clock req/s swings with other processes' time slices, while CPU per request does not. Wall-clock req/s is shown too (`--wall-clock` bases the ratios on it). " +
          "CPU cost leaves out the store server's own work (Redis, PostgreSQL); their latency shows in p50/p99. Spread is that of the ratio basis."
      : '**Ratios compare wall-clock req/s.**',
    '',
  );
  for (const note of results.notes) out.push(`> ${note}`, '');

  out.push('## Verdicts (cold rotation)', '');
  out.push(
    'A missed target needs its reason, with the profile that shows it (`node bench/src/profile.ts`, see bench/README.md › Profiles); ' +
      'the reasons are kept in `src/reasons.ts`.',
    '',
  );
  const issues: Record<number, string> = {
    15: 'Issue 15: the per-request path',
    17: 'Issue 17: Fastify',
    18: 'Issue 18: sealed cookies',
  };
  for (const issue of [...new Set(results.targets.map((t) => t.issue ?? 15))]) {
    out.push(`### ${issues[issue] ?? `Issue ${issue}`}`, '');
    out.push(
      '| target | required | median | spread (min–max) | verdict | reason |',
      '|---|---|---|---|---|---|',
    );
    for (const t of results.targets.filter((t) => (t.issue ?? 15) === issue)) {
      const verdict =
        t.met === null ? 'not measured' : t.met ? 'met' : t.stretch ? 'missed (stretch)' : '**missed**';
      const reason = t.met === false ? (reasonFor(t.name) ?? '_TODO(lead): reason, from the profile_') : '';
      out.push(`| ${t.name} | ${t.required} | ${t.measured} | ${t.spread ?? ''} | ${verdict} | ${reason} |`);
    }
    out.push('');
  }

  out.push('## Throughput', '');
  out.push(
    "Cache hits: the share of cookie verifications the server's verified-cookie cache answered (`SessionManager.verifiedCookieCacheStats`); " +
      '– where the server verified none it reports: an untouched route, a peer library, or a sealed-cookie variant (core does not count its cache of opened cookies there yet).',
    '',
  );
  for (const group of GROUPS) {
    const variants = VARIANTS.filter((v) => v.group === group);
    out.push(`### ${group[0]!.toUpperCase()}${group.slice(1)}`, '');
    out.push(
      '| variant | route | req/s (wall) | server CPU per request | req per server CPU-second | spread | p50 | p99 | × bare (min–max) | cache hits | hot: × bare | hot: cache hits | × peer |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const v of variants) {
      const status = results.variants.find((s) => s.id === v.id);
      if (!status) {
        out.push(`| ${v.label} | – | not run (left out by --only) | | | | | | | | | | |`);
        continue;
      }
      if (!status.ok) {
        out.push(
          `| ${v.label} | – | could not run: ${(status.error ?? 'unknown error').replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 200)} | | | | | | | | | | |`,
        );
        continue;
      }
      for (const route of ROUTES) {
        const cell = results.http[v.id]?.[route];
        if (!cell) continue;
        const row = results.ratios.find(
          (r) => (r.rotation ?? 'cold') === 'cold' && r.variant === v.id && r.route === route,
        );
        const hotRow = results.ratios.find(
          (r) => r.rotation === 'hot' && r.variant === v.id && r.route === route,
        );
        const hotCell = hot[v.id]?.[route];
        const bad = cell.non2xx + cell.errors > 0 ? ` (${cell.non2xx} non-2xx, ${cell.errors} errors)` : '';
        const basisSpread = results.ratioBasis === 'cpu' ? cell.capacitySpread : cell.spread;
        out.push(
          `| ${v.kind === 'cloakroom' ? `**${v.label}**` : v.label} | ${route} | ${n0(cell.rps)}${bad} | ` +
            `${Number.isFinite(cell.cpuUs) ? `${cell.cpuUs.toFixed(0)} µs` : '–'} | ${Number.isFinite(cell.capacity) ? n0(cell.capacity) : '–'} | ` +
            `${pct(basisSpread)} | ${ms(cell.p50)} | ${ms(cell.p99)} | ` +
            `${row ? `${n2(row.toBare.value)} (${n2(row.toBare.low)}–${n2(row.toBare.high)})` : v.kind === 'bare' ? '1.00' : '–'} | ` +
            `${hitRate(cell.cacheHitRate)} | ${hotRow ? `${n2(hotRow.toBare.value)} (${n2(hotRow.toBare.low)}–${n2(hotRow.toBare.high)})` : v.kind === 'bare' && hotCell ? '1.00' : '–'} | ` +
            `${hitRate(hotCell?.cacheHitRate)} | ${row?.toPeer ? `${n2(row.toPeer.value)} (${n2(row.toPeer.low)}–${n2(row.toPeer.high)}) ${label(row.peer!)}` : ''} |`,
        );
      }
    }
    out.push('');
  }

  out.push('## Contention: parallel `/write` on one session', '');
  out.push(
    `${c.contentionRequests} requests over ${c.contentionConnections} connections, all with the cookie of one session whose counter was 1. ` +
      'Lost = 2xx answers whose increment is not in the final counter. (Cookie-stored sessions cannot keep a server-side count: every request starts from the cookie it was sent.)',
    '',
  );
  out.push('| variant | 2xx | failed | final counter | lost updates |', '|---|---:|---:|---:|---:|');
  for (const row of results.contention) {
    out.push(
      `| ${label(row.variant)} (${row.variant.split('-')[0]}) | ${row.ok} | ${row.failed} | ${row.finalCounter} | ${row.lost} |`,
    );
  }
  out.push('');

  out.push('## Store round trips per request', '');
  out.push(
    'Every call core makes on the store interface, counted by a wrapper around the real store; for Redis, also the commands its client sent (a script is one EVALSHA).',
    '',
  );
  const calls = (counts: Partial<Record<string, number>> | undefined): string =>
    Object.entries(counts ?? {})
      .map(([op, count]) => `${op} ×${count}`)
      .join(', ') || 'none';
  out.push(
    '| request | memory store calls | total | Redis store calls | Redis commands |',
    '|---|---|---:|---|---|',
  );
  for (const row of results.roundTrips) {
    const redis = results.roundTripsRedis?.find((r) => r.scenario === row.scenario);
    out.push(
      `| ${row.scenario}: ${row.description} | ${calls(row.counts)} | ${row.total} | ${redis ? calls(redis.counts) : 'not run'} | ${redis ? calls(redis.commands) : ''} |`,
    );
  }
  out.push('', 'Asserted by `pnpm --filter @cloakroom/bench test`.', '');

  out.push('## Store micro-benchmarks', '');
  const { core, redis, kysely, memory, cleanup } = results.micro;
  out.push('### What core costs per request, without HTTP', '');
  if (!core) out.push('Not run.', '');
  else if (!Array.isArray(core)) out.push(`Could not run: ${core.error}`, '');
  else {
    out.push(
      "Open a handle from a Cookie header, do what the route does, commit; memory store, `node:crypto`, one request at a time (the load generator's core):",
      '',
      core.map((r) => `${r.route} ${r.microseconds.toFixed(1)} µs`).join(' · '),
      '',
    );
  }
  const comparison = (title: string, rows: typeof redis, ours: string, raw: string): void => {
    out.push(`### ${title}`, '');
    if (!rows) out.push('Not run.', '');
    else if (!Array.isArray(rows)) out.push(`Could not run: ${rows.error}`, '');
    else {
      out.push(`| operation | mode | ${ours} ops/s | ${raw} ops/s | ratio |`, '|---|---|---:|---:|---:|');
      for (const r of rows)
        out.push(`| ${r.operation} | ${r.mode} | ${n0(r.ours)} | ${n0(r.raw)} | ${n2(r.ratio)} |`);
      out.push('');
    }
  };
  comparison(
    'Redis store vs raw ioredis (300-byte payload): get vs GET, set vs the same script (EVALSHA replayed with client.call), set vs a plain SET PX',
    redis,
    'store',
    'raw',
  );
  comparison('Kysely store on PostgreSQL vs a raw `pg` query of the same row', kysely, 'store', 'raw pg');
  out.push('### Memory store', '');
  if (!memory) out.push('Not run.', '');
  else if ('error' in memory) out.push(`Could not run: ${memory.error}`, '');
  else {
    out.push(
      `${n0(memory.sessions)} sessions of ${memory.payloadBytes} bytes each: ${n0(memory.bytesPerSession)} bytes of heap per session ` +
        `(data included); get ${n0(memory.getOpsPerSecond)} ops/s, set ${n0(memory.setOpsPerSecond)} ops/s at that size.`,
      '',
    );
  }
  out.push('### SQL cleanup (Kysely store, PostgreSQL)', '');
  if (!cleanup) out.push('Not run.', '');
  else if ('error' in cleanup) out.push(`Could not run: ${cleanup.error}`, '');
  else {
    out.push(
      `${n0(cleanup.expiredRows)} expired rows (generated in the database) deleted (${n0(cleanup.deleted)}) in ${cleanup.seconds.toFixed(1)} s by ` +
        `\`deleteExpired()\` in batches; meanwhile ${n0(cleanup.liveReads)} live reads, p50 ${ms(cleanup.p50Ms)}, p99 ${ms(cleanup.p99Ms)} ` +
        `(p99 ${ms(cleanup.idleP99Ms)} with no cleanup running).`,
      '',
    );
  }

  out.push(loadLine('the end', results.machine.loadAverageEnd), '');
  out.push('## Versions', '');
  out.push(
    Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(' · '),
    '',
  );
  return `${out.join('\n')}\n`;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart of every variant's ratio to its bare framework, per route. */
export function svg(results: Results): string {
  const colors: Record<string, string> = { '/none': '#8da0cb', '/read': '#66c2a5', '/write': '#fc8d62' };
  const ratios = results.ratios.filter((r) => (r.rotation ?? 'cold') === 'cold');
  const rows = VARIANTS.filter((v) => v.kind !== 'bare' && ratios.some((r) => r.variant === v.id));
  const barH = 7;
  const rowH = barH * 3 + 8;
  const left = 330;
  const width = 900;
  const plotW = width - left - 40;
  const top = 78;
  // Bars past 2.0 (noise on a busy machine) stop at the edge; their label keeps the value.
  const max = Math.ceil(Math.min(2, Math.max(1.2, ...ratios.map((r) => r.toBare.value))) * 4) / 4;
  const scale = (v: number): number => left + (Math.min(v, max) / max) * plotW;
  let y = top;
  const parts: string[] = [];
  let lastGroup = '';
  for (const v of rows) {
    if (v.group !== lastGroup) {
      if (lastGroup !== '') y += 10;
      parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${xml(v.group)}</text>`);
      y += 18;
      lastGroup = v.group;
    }
    const bold = v.kind === 'cloakroom' ? ' font-weight="bold" fill="#1a5fb4"' : '';
    parts.push(`<text x="${left - 8}" y="${y + rowH / 2}" text-anchor="end"${bold}>${xml(v.label)}</text>`);
    ROUTES.forEach((route, i) => {
      const r = ratios.find((row) => row.variant === v.id && row.route === route);
      if (!r) return;
      const by = y + 2 + i * barH;
      parts.push(
        `<rect x="${left}" y="${by}" width="${Math.max(1, scale(r.toBare.value) - left).toFixed(1)}" height="${barH - 1}" fill="${colors[route]}"/>`,
        `<text x="${(scale(r.toBare.value) + 3).toFixed(1)}" y="${by + barH - 1}" font-size="8">${r.toBare.value.toFixed(2)}</text>`,
      );
    });
    y += rowH;
  }
  const bottom = y + 5;
  const grid: string[] = [];
  for (let t = 0; t <= max + 1e-9; t += 0.25) {
    const x = scale(t).toFixed(1);
    grid.push(
      `<line x1="${x}" y1="${top - 5}" x2="${x}" y2="${bottom}" stroke="${Math.abs(t - 1) < 1e-9 ? '#333' : '#ddd'}"/>`,
      `<text x="${x}" y="${bottom + 14}" text-anchor="middle" font-size="10">${t.toFixed(2)}</text>`,
    );
  }
  const legend = ROUTES.map(
    (route, i) =>
      `<rect x="${left + i * 90}" y="44" width="12" height="10" fill="${colors[route]}"/><text x="${left + i * 90 + 16}" y="53">${route}</text>`,
  );
  const m = results.machine;
  const versions = ['@cloakroom/session-core', 'express', 'koa', 'hono', 'fastify']
    .filter((name) => results.versions[name])
    .map((name) => `${name} ${results.versions[name]}`)
    .join(', ');
  const footer = [
    `${results.mode} run ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${m.cpus} × ${m.model} · Node ${m.node} · ${results.config.connections} connections, median of ${results.config.sweeps} sweep(s) × ${results.config.seconds} s`,
    versions,
  ];
  const height = bottom + 30 + footer.length * 14;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">Cloakroom and peers relative to the same framework with no session (1.00 = bare; higher is better)</text>
<text x="10" y="34" font-size="10" fill="#555">${results.ratioBasis === 'cpu' ? 'requests per second of server CPU time (server pinned to one core)' : 'wall-clock requests per second'}</text>
${legend.join('\n')}
${grid.join('\n')}
${parts.join('\n')}
${footer.map((line, i) => `<text x="10" y="${bottom + 34 + i * 14}" font-size="10" fill="#555">${xml(line)}</text>`).join('\n')}
</svg>
`;
}

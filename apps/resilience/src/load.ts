// A bounded load run on loopback: workers adding unique items to a cart as fast as the app answers, while a
// script moves the fault proxy through its phases. The demo caps a cart at 100 items, so a worker moves to
// a new browser (a new session) every ITEMS_PER_SESSION requests; each browser's writes are read back.
import { CookieClient } from '@cloakroom/session-adapter-test';

/** Requests one browser makes before its worker starts another (the demo's cart holds 100 items). */
const ITEMS_PER_SESSION = 90;

/** One request of the run, timed against the run's start. */
export interface Sample {
  /** The browser (index into {@link LoadRun.clients}) that made it. */
  readonly worker: number;
  readonly item: string;
  readonly start: number;
  readonly end: number;
  /** The status, or 0 when the request itself failed (connection reset by the app: it died). */
  readonly status: number;
}

/** The outcome of {@link runLoad}. */
export interface LoadRun {
  readonly samples: Sample[];
  /** Every browser of the run (a worker's first one first), holding its session cookie. */
  readonly clients: CookieClient[];
}

/**
 * Runs `workers` loops of `POST /api/cart` against `baseUrl` for at least `durationMs` and then until
 * `minRequests` were made (never past `capMs`), calling `script(t)` with the elapsed time every few
 * milliseconds (to switch faults).
 */
export async function runLoad(options: {
  baseUrl: string;
  workers: number;
  durationMs: number;
  minRequests: number;
  capMs: number;
  script: (elapsedMs: number) => void;
}): Promise<LoadRun> {
  const clients = Array.from({ length: options.workers }, () => new CookieClient(options.baseUrl));
  // Each worker starts with a session holding one acknowledged item.
  await Promise.all(clients.map((client, w) => client.post('/api/cart', { json: { item: `w${w}-start` } })));
  const samples: Sample[] = [];
  const t0 = performance.now();
  const elapsed = (): number => performance.now() - t0;
  const ticker = setInterval(() => options.script(elapsed()), 5);
  let count = 0;
  const loops = clients.slice().map(async (first, w) => {
    const more = (): boolean =>
      elapsed() < options.capMs && (elapsed() < options.durationMs || count < options.minRequests);
    let client = first;
    let worker = w;
    for (let n = 0; more(); n++) {
      if (n > 0 && n % ITEMS_PER_SESSION === 0) {
        client = new CookieClient(options.baseUrl);
        worker = clients.push(client) - 1;
      }
      count++;
      const item = `w${w}-${n}`;
      const start = elapsed();
      let status = 0;
      try {
        status = (await client.post('/api/cart', { json: { item } })).status;
      } catch {
        status = 0;
      }
      samples.push({ worker, item, start, end: elapsed(), status });
      // A 503 is answered at once: pace retries a little, as a browser would, so the outage phase is not
      // just a busy loop.
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  });
  try {
    await Promise.all(loops);
  } finally {
    clearInterval(ticker);
  }
  return { samples, clients };
}

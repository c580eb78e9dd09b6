import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CookieClient } from '@cloakroom/session-adapter-test/kit';

/** A loopback port nothing listens on right now (the kit's; the demos' own tests take it from here). */
export { freePort } from '@cloakroom/session-adapter-test/kit';

/** A demo started by {@link startDemo}. */
export interface RunningDemo {
  /** `http://127.0.0.1:<port>`, from the line the demo printed. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the demo printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM and resolves the exit code (SIGKILL after 10 s, resolving null). */
  stop(): Promise<number | null>;
}

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** The demo's folder, e.g. `apps/express-demo`. */
  readonly dir: string;
  /** Extra environment; `PORT` defaults to `0` (a free port), `SESSION_COOKIE_SECURE` to `false`. */
  readonly env?: Readonly<Record<string, string>>;
  /** The built entry, relative to `dir`. @default 'dist/server.js' */
  readonly entry?: string;
  /** How long to wait for the `listening on` line. @default 20_000 */
  readonly timeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * Starts a demo's built server as a real process (`node dist/server.js`) and resolves once it printed
 * `listening on http://…`.
 * @throws Error with the demo's output when it exits or stays silent before listening.
 * @example
 * const demo = await startDemo({ dir: 'apps/express-demo', env: { SESSION_STORE: 'memory' } });
 * await fetch(`${demo.url}/healthz`);
 * await demo.stop();
 */
export function startDemo(options: StartDemoOptions): Promise<RunningDemo> {
  const child = spawn(process.execPath, [join(options.dir, options.entry ?? 'dist/server.js')], {
    cwd: options.dir,
    env: { ...process.env, PORT: '0', SESSION_COOKIE_SECURE: 'false', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${options.dir}: ${why}. Its output:\n${output}`));
    };
    const timer = setTimeout(() => fail('no "listening on" line in time'), options.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1] && timer) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (more: Buffer) => {
          output += more.toString();
        });
        resolve({ url: match[1], process: child, output: () => output, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
  });
}

/**
 * One browser over `fetch`: the kit's CookieClient (a tough-cookie jar), whose cookies are not isolated by
 * port, so one client carries its session across demos on the same host. Redirects are not followed.
 */
export class DemoClient {
  readonly #browser = new CookieClient('http://127.0.0.1');

  /** The cookies held, `name=value; …` (what the next request sends). */
  get cookieHeader(): string {
    return this.#browser.cookie;
  }

  /** A request with the jar's cookies; stores the `Set-Cookie`s of the answer. */
  request(url: string, init: RequestInit = {}): Promise<Response> {
    return this.#browser.fetch(url, init);
  }

  /** A JSON request: `body` is sent as JSON; resolves the status and the parsed body (null when empty). */
  async json(
    url: string,
    method = 'GET',
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{
    status: number;
    body: unknown;
    response: Response;
  }> {
    const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await this.request(url, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text), response };
  }
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`shared session check: ${message}`);
}

/**
 * Proves that several demo instances on one store keep one session: signs in as alice on the first URL,
 * then on every URL reads the same user and increments one counter (each instance sees the previous
 * one's count), and signs out on the last, after which the first no longer accepts the old cookie. One client carries the
 * cookie, as one browser does across `localhost` ports. Resolves a line per step for logs.
 * @throws Error naming the URL and what it answered when an instance disagrees.
 * @example
 * await checkSharedSession(['http://127.0.0.1:3001', 'http://127.0.0.1:3002']);
 */
export async function checkSharedSession(urls: readonly string[]): Promise<string[]> {
  const [first, ...others] = urls;
  expect(first !== undefined, 'no URL given');
  const lines: string[] = [];
  const client = new DemoClient();
  const signIn = await client.json(`${first}/api/login`, 'POST', {
    username: 'alice',
    password: 'alice-secret',
  });
  expect(signIn.status === 200, `${first} answered ${signIn.status} to the sign-in`);
  lines.push(`${first}: signed in as alice`);
  let count = 0;
  for (const url of [first as string, ...others]) {
    const state = await client.json(`${url}/api/session`);
    const user = (state.body as { user?: unknown } | null)?.user;
    expect(
      state.status === 200 && user === 'alice',
      `${url} sees ${JSON.stringify(state.body)} (${state.status})`,
    );
    const counted = await client.json(`${url}/api/count`, 'POST');
    const seen = (counted.body as { count?: unknown } | null)?.count;
    expect(seen === count + 1, `${url} counted ${JSON.stringify(counted.body)}, expected ${count + 1}`);
    count += 1;
    lines.push(`${url}: user alice, count ${count}`);
  }
  const last = urls[urls.length - 1] as string;
  const signedInCookie = client.cookieHeader;
  const signOut = await client.json(`${last}/api/logout`, 'POST');
  expect(signOut.status === 204, `${last} answered ${signOut.status} to the sign-out`);
  // The old cookie, replayed: the record is gone from the shared store, so the first instance sees nobody.
  const after = await new DemoClient().json(`${first}/api/session`, 'GET', undefined, {
    cookie: signedInCookie,
  });
  expect(
    (after.body as { user?: unknown } | null)?.user === null,
    `${first} still sees ${JSON.stringify(after.body)}`,
  );
  lines.push(`${last}: signed out; ${first} no longer knows the old cookie`);
  return lines;
}

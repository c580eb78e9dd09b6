/**
 * Test support: a private Sentinel-managed Redis on spare loopback ports (a primary, a replica and three
 * sentinels, `redis-server --sentinel`), in a temp dir of its own. Never imported by the package itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type ClientOptions, recommended } from './clients.ts';
import {
  killOnExit,
  type PrivateRedis,
  redisCli,
  sparePort,
  startRedis,
  waitForPing,
} from './redis-server.ts';

/** The name the sentinels monitor the primary under. */
export const PRIMARY_NAME = 'cloakroom-primary';

export interface SentinelSetup {
  /** The data nodes by port; the first one starts as the primary. */
  readonly nodes: readonly PrivateRedis[];
  readonly sentinelPorts: readonly number[];
  /** An ioredis client that finds the primary through the sentinels, with the README's options. */
  client(options?: ClientOptions): Redis;
  /** The port of the node the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a primary, its replica and three sentinels (quorum 2), and waits until every sentinel knows the
 * replica and the other two sentinels, so a failover can run.
 * @param downAfterMs - how long the primary must be unreachable before the sentinels fail it over. Tests
 *   that want no failover keep it long, so a loaded machine's pauses never start one.
 */
export async function startSentinels(downAfterMs = 10_000): Promise<SentinelSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'cloakroom-redis-sentinel-'));
  const nodes: PrivateRedis[] = [];
  const sentinels: ChildProcess[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const client of clients) client.disconnect();
    for (const child of sentinels)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    const next = async () => {
      const port = await sparePort(ports);
      ports.push(port);
      return port;
    };
    const primary = await next();
    // No delay before the first sync (the default waits 5 s for more replicas to batch them).
    const sync = ['--repl-diskless-sync-delay', '0'];
    nodes.push(await startRedis(primary, dir, ['--dbfilename', `dump-${primary}.rdb`, ...sync]));
    const replica = await next();
    nodes.push(
      await startRedis(replica, dir, [
        '--dbfilename',
        `dump-${replica}.rdb`,
        ...sync,
        '--replicaof',
        '127.0.0.1',
        String(primary),
      ]),
    );
    await waitUntil('the replica to finish its first sync', async () =>
      (await redisCli(['-p', String(replica), 'info', 'replication'])).includes('master_link_status:up'),
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await next();
      const config = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${PRIMARY_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${PRIMARY_NAME} ${downAfterMs}`,
          `sentinel failover-timeout ${PRIMARY_NAME} 4000`,
          `sentinel parallel-syncs ${PRIMARY_NAME} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
      child.once('error', () => undefined);
      killOnExit(child);
      sentinels.push(child);
      await waitForPing(port);
      sentinelPorts.push(port);
    }
    await waitUntil('the sentinels to know the replica and each other', async () => {
      for (const port of sentinelPorts) {
        const known = await redisCli(['-p', String(port), 'sentinel', 'sentinels', PRIMARY_NAME]);
        const replicas = await redisCli(['-p', String(port), 'sentinel', 'replicas', PRIMARY_NAME]);
        if (known.split('\n').filter((line) => line === 'runid').length < 2) return false;
        if (!/(^|\n)flags\nslave(\n|$)/.test(replicas)) return false;
      }
      return true;
    });
    return {
      nodes,
      sentinelPorts,
      client(options: ClientOptions = {}) {
        const client = new Redis({
          ...recommended,
          ...options,
          sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
          name: PRIMARY_NAME,
        });
        client.on('error', () => undefined);
        clients.push(client);
        return client;
      },
      async primaryPort() {
        for (const port of sentinelPorts) {
          const reply = await redisCli([
            '-p',
            String(port),
            'sentinel',
            'get-master-addr-by-name',
            PRIMARY_NAME,
          ]).catch(() => '');
          const found = Number(reply.split('\n')[1]);
          if (found > 0) return found;
        }
        throw new Error('no sentinel names a primary');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `check` every 100 ms, at most 200 times (a bound on attempts, not a sleep). */
export async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

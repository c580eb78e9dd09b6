import type { Cluster, Redis } from 'ioredis';

/**
 * The server's `maxmemory-policy`, as the store learned it: a policy name such as `noeviction` or
 * `allkeys-lru`, or `unknown` when the server would not say (both `CONFIG` and `INFO` refused).
 * On a Cluster, the first policy other than `noeviction` found on a master, else `noeviction`.
 */
export type EvictionPolicy = string;

/** The subset of a node's commands the detection uses. */
interface PolicyNode {
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
  info(section: string): Promise<string>;
}

/** Whether Redis may drop keys the store wrote before their time under this policy. */
export function mayEvict(policy: EvictionPolicy): boolean {
  return policy !== 'noeviction';
}

/**
 * Learns a client's eviction policy once, and again after every reconnect (`ready`) and, on a Cluster,
 * whenever a node joins or leaves (a failover or a resharding can put a differently configured node in
 * charge). One watcher per client, shared by every store built on it.
 */
class PolicyWatcher {
  readonly #client: Redis | Cluster;
  #known: Promise<EvictionPolicy> | undefined;
  /** What #known resolved to, while it stands: lets a read skip even the await. */
  #value: EvictionPolicy | undefined;

  constructor(client: Redis | Cluster) {
    this.#client = client;
    const forget = () => {
      this.#known = undefined;
      this.#value = undefined;
    };
    client.on('ready', forget);
    if (client.isCluster) {
      client.on('+node', forget);
      client.on('-node', forget);
    }
  }

  /** The policy when it is known already, without waiting; else undefined (call {@link policy}). */
  current(): EvictionPolicy | undefined {
    return this.#value;
  }

  /** The policy, asked of the server on first use and after each reconnect. */
  policy(): Promise<EvictionPolicy> {
    if (this.#known !== undefined) return this.#known;
    const asking = this.#ask();
    this.#known = asking.then((policy) => policy ?? 'unknown');
    const known = this.#known;
    // A failure (server down) or a Cluster not connected yet is not remembered: the next operation asks
    // again, and meanwhile the store assumes the worst.
    asking.then(
      (policy) => {
        if (this.#known !== known) return;
        if (policy === null) this.#known = undefined;
        else this.#value = policy;
      },
      () => {
        if (this.#known === known) this.#known = undefined;
      },
    );
    return known;
  }

  async #ask(): Promise<EvictionPolicy | null> {
    if (!this.#client.isCluster) return nodePolicy(this.#client as unknown as PolicyNode);
    const masters = (this.#client as Cluster).nodes('master');
    if (masters.length === 0) return null;
    const policies = await Promise.all(masters.map((node) => nodePolicy(node as unknown as PolicyNode)));
    return policies.find(mayEvict) ?? 'noeviction';
  }
}

const watchers = new WeakMap<Redis | Cluster, PolicyWatcher>();

/** The one watcher of `client`. */
export function policyWatcher(client: Redis | Cluster): PolicyWatcher {
  let watcher = watchers.get(client);
  if (watcher === undefined) {
    watcher = new PolicyWatcher(client);
    watchers.set(client, watcher);
  }
  return watcher;
}

/**
 * Asks one node: `CONFIG GET maxmemory-policy`, or `INFO memory` where `CONFIG` is renamed away or denied
 * (as on most managed services). A server that answers neither is `unknown`, which the store treats as a
 * policy that may evict. Connection failures are thrown: the operation that asked fails with them.
 */
async function nodePolicy(node: PolicyNode): Promise<EvictionPolicy> {
  try {
    const reply = await node.config('GET', 'maxmemory-policy');
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch (error) {
    if (!isReplyError(error)) throw error;
  }
  try {
    const match = /^maxmemory_policy:(\S+)/m.exec(await node.info('memory'));
    if (match) return match[1]!;
  } catch (error) {
    if (!isReplyError(error)) throw error;
  }
  return 'unknown';
}

/** A refusal by the server (unknown command, NOPERM), as opposed to a connection failure. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

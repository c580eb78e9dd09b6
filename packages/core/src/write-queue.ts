/**
 * The write queue: commits for one session key run one after another inside a process, and queued
 * changes go out together in one compare-and-set (coalescing), rebased on this process's last write. A
 * conflict with another process re-reads and re-applies only these requests' changes, with jittered
 * backoff; a record gone meanwhile (destroyed, regenerated) drops the write.
 */
import { cloneRecord, type SessionRecord } from './codec.ts';
import { SessionError } from './errors.ts';
import type { SessionEvent } from './events.ts';
import type { AnySessionStore, SessionWrite, StoredSession } from './store.ts';

/** One recorded change of a request, re-applied on a fresh record after a conflict. */
export type Op = (record: SessionRecord) => void;

/** What the queue needs of its manager. */
export interface WriteContext {
  readonly store: AnySessionStore;
  readonly maxRetries: number;
  now(): number;
  storeCall<T>(operation: string, call: () => Promise<T>): Promise<T>;
  writeFor(record: SessionRecord, now: number, keepExpiresAt: number | null): SessionWrite;
  decode(stored: StoredSession, now: number): SessionRecord | null | 'expired';
  emit(event: SessionEvent): void;
}

/** A stored record with its version and expiry. */
export interface Versioned {
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
}

/** What a write stored. */
export type WriteOutcome = Versioned;

interface SerialEntry {
  tail: Promise<unknown>;
  pending: number;
  latest: Versioned | undefined;
  /** Updates waiting for their turn; the first to run writes them all at once. */
  queue: UpdateJob[];
}

interface UpdateJob {
  readonly ops: readonly Op[];
  readonly base: Versioned;
  /** Whether this request moves the expiry (its touch is due and its response carries the cookie). */
  readonly extend: boolean;
  result?: { outcome: WriteOutcome | null } | { error: unknown };
}

/** Errors caused by one request's own change, not by the store: too large, a throwing function or codec. */
function failsAlone(error: unknown): boolean {
  return !(error instanceof SessionError) || error.code === 'SESSION_PAYLOAD_TOO_LARGE';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class WriteQueue {
  readonly #ctx: WriteContext;
  readonly #serial = new Map<string, SerialEntry>();

  constructor(context: WriteContext) {
    this.#ctx = context;
  }

  /** Runs commits for one key one after another inside this process. */
  async serial<T>(key: string, fn: (entry: SerialEntry) => Promise<T>): Promise<T> {
    const current = this.#entry(key);
    current.pending++;
    const run = current.tail.then(() => fn(current));
    current.tail = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      if (--current.pending === 0) this.#serial.delete(key);
    }
  }

  #entry(key: string): SerialEntry {
    let entry = this.#serial.get(key);
    if (!entry) {
      entry = { tail: Promise.resolve(), pending: 0, latest: undefined, queue: [] };
      this.#serial.set(key, entry);
    }
    return entry;
  }

  /**
   * Writes a request's changes to an existing session. Updates for one key queue up inside this
   * process; whichever runs first writes every queued change in one compare-and-set (coalescing), rebased
   * on this process's last write, so parallel requests in one process never conflict with each other.
   * @returns the written state, or null when the session was destroyed meanwhile.
   */
  async update(
    key: string,
    ops: readonly Op[],
    base: Versioned,
    extend: boolean,
  ): Promise<WriteOutcome | null> {
    const job: UpdateJob = { ops, base, extend };
    this.#entry(key).queue.push(job);
    await this.serial(key, async (entry) => {
      const batch = entry.queue.splice(0);
      if (batch.length === 0) return; // an earlier batch took this job
      try {
        const outcome = await this.#writeBatch(key, entry, batch);
        for (const queued of batch) queued.result = { outcome };
      } catch (error) {
        // A store failure (or conflict) is every request's: retrying each one could apply a write
        // that did land twice. Only a change that fails on its own is retried alone.
        if (batch.length === 1 || !failsAlone(error)) {
          for (const queued of batch) queued.result = { error };
          return;
        }
        // One request's bad change (too large, a throwing update function) must not fail the others.
        for (const queued of batch) {
          try {
            queued.result = { outcome: await this.#writeBatch(key, entry, [queued]) };
          } catch (single) {
            queued.result = { error: single };
          }
        }
      }
    });
    const result = job.result!;
    if ('error' in result) throw result.error;
    return result.outcome;
  }

  async #writeBatch(
    key: string,
    entry: SerialEntry,
    batch: readonly UpdateJob[],
  ): Promise<WriteOutcome | null> {
    let base: Versioned = batch[0]!.base;
    const extend = batch.some((job) => job.extend);
    // A commit of this process wrote after these requests loaded: rebase on it without a round trip.
    if (entry.latest !== undefined && entry.latest.version !== base.version) base = entry.latest;
    for (let attempt = 0; attempt <= this.#ctx.maxRetries; attempt++) {
      const record = cloneRecord(base.record);
      for (const job of batch) for (const op of job.ops) op(record);
      const write = this.#ctx.writeFor(record, this.#ctx.now(), extend ? null : base.expiresAt);
      const cas = this.#ctx.store.compareAndSet;
      const version = cas
        ? await this.#ctx.storeCall('compareAndSet', () =>
            cas.call(this.#ctx.store, key, base.version, write),
          )
        : await this.#ctx.storeCall('set', () => this.#ctx.store.set(key, write));
      if (version !== null) {
        entry.latest = { record, version, expiresAt: write.expiresAt };
        return entry.latest;
      }
      // Conflict with another process: re-read and re-apply only these requests' changes. After the
      // first retry, wait a short random while so two busy processes stop winning in lockstep.
      this.#ctx.emit({ type: 'cas-conflict', attempt: attempt + 1 });
      if (attempt > 0) await sleep(Math.random() * Math.min(50, 2 ** attempt));
      const fresh = await this.#ctx.storeCall('get', () => this.#ctx.store.get(key));
      const decoded = fresh === null ? null : this.#ctx.decode(fresh, this.#ctx.now());
      if (fresh === null || decoded === null || decoded === 'expired') {
        entry.latest = undefined;
        return null;
      }
      base = { record: decoded, version: fresh.version, expiresAt: fresh.expiresAt };
    }
    throw new SessionError(
      'SESSION_CONFLICT',
      'The session kept changing under this write; it was not saved.',
      {
        status: 503,
      },
    );
  }

  /** Deletes a record in line with this process's other commits for it. */
  async deleteKey(key: string): Promise<void> {
    await this.serial(key, async (entry) => {
      await this.#ctx.storeCall('delete', () => this.#ctx.store.delete(key));
      entry.latest = undefined;
    });
  }
}

/**
 * A user's sessions through the store's per-user index: listing, revoking, and the per-user cap. Every
 * operation acts on exactly the user asked for (the decoded record's user id is checked, whatever the
 * index answered) and costs one index read.
 */
import type { SessionRecord } from './codec.ts';
import { SessionError } from './errors.ts';
import type { SessionInfo } from './session.ts';
import type { AnySessionStore, StoredSession } from './store.ts';

/** What the user operations need of the manager. */
export interface UserSessionsContext {
  readonly store: AnySessionStore;
  readonly maxSessionsPerUser: number;
  now(): number;
  storeCall<T>(operation: string, call: () => Promise<T>): Promise<T>;
  decode(stored: StoredSession, now: number): SessionRecord | null | 'expired';
  deleteKey(key: string): Promise<void>;
}

export class UserSessions {
  readonly #ctx: UserSessionsContext;

  constructor(context: UserSessionsContext) {
    this.#ctx = context;
  }

  /** The user's live sessions, sorted by creation (`current` marks `currentKey`'s). */
  async list(userId: string, currentKey: string | null): Promise<SessionInfo[]> {
    const list = this.#ctx.store.listByUser;
    if (!list) {
      throw new SessionError(
        'SESSION_USAGE',
        'Listing a user’s sessions needs a store with the per-user index.',
      );
    }
    const now = this.#ctx.now();
    const rows = await this.#ctx.storeCall('listByUser', () => list.call(this.#ctx.store, userId));
    const infos: SessionInfo[] = [];
    for (const row of rows) {
      const record = this.#ctx.decode(row, now);
      if (record === null || record === 'expired' || record.userId !== userId) continue;
      infos.push({
        id: row.key.slice(0, 16),
        current: row.key === currentKey,
        createdAt: new Date(record.createdAt),
        expiresAt: new Date(row.expiresAt),
        // Decoded for this listing alone: nothing else holds this object.
        data: Object.fromEntries(record.data),
      });
    }
    return infos.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Deletes the user's sessions but `exceptKey`'s; resolves how many. */
  async revoke(userId: string, exceptKey: string | null): Promise<number> {
    const list = this.#ctx.store.listByUser;
    if (!list) {
      throw new SessionError(
        'SESSION_USAGE',
        'Revoking a user’s sessions needs a store with the per-user index.',
      );
    }
    const rows = await this.#ctx.storeCall('listByUser', () => list.call(this.#ctx.store, userId));
    const doomed = this.#ownedBy(userId, rows).filter((row) => row.key !== exceptKey);
    await Promise.all(doomed.map((row) => this.#ctx.deleteKey(row.key)));
    return doomed.length;
  }

  /**
   * The live rows whose decoded record is bound to exactly `userId`. An index may answer more than the
   * user's own sessions (a collation that ignores trailing spaces or case, a stale entry): acting on
   * those would end another user's sessions.
   */
  #ownedBy<Row extends StoredSession>(
    userId: string,
    rows: readonly Row[],
  ): Array<Row & { readonly record: SessionRecord }> {
    const now = this.#ctx.now();
    const owned: Array<Row & { readonly record: SessionRecord }> = [];
    for (const row of rows) {
      const record = this.#ctx.decode(row, now);
      if (record !== null && record !== 'expired' && record.userId === userId) owned.push({ ...row, record });
    }
    return owned;
  }

  /** Evicts a user's oldest sessions beyond maxSessionsPerUser. */
  async enforceCap(userId: string, keepKey: string): Promise<void> {
    if (this.#ctx.maxSessionsPerUser === Number.POSITIVE_INFINITY || !this.#ctx.store.listByUser) return;
    const list = this.#ctx.store.listByUser;
    const rows = this.#ownedBy(
      userId,
      await this.#ctx.storeCall('listByUser', () => list.call(this.#ctx.store, userId)),
    );
    if (rows.length <= this.#ctx.maxSessionsPerUser) return;
    const aged = rows
      .filter((row) => row.key !== keepKey)
      .sort((a, b) => a.record.createdAt - b.record.createdAt);
    const excess = rows.length - this.#ctx.maxSessionsPerUser;
    await Promise.all(aged.slice(0, excess).map((row) => this.#ctx.deleteKey(row.key)));
  }
}

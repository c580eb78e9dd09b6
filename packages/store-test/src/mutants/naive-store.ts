// A deliberately simple store with one switchable bug at a time, so conformance.test.ts can prove that
// the suite notices each broken promise (a suite that passes a broken store is a defect).
import type {
  ClosableStore,
  CompareAndSetStore,
  ExpiredDeletionStore,
  GetAndTouchStore,
  SessionStore,
  SessionWrite,
  StoredSession,
  StoredUserSession,
  UserIndexStore,
} from '@cloakroom/session-core';

export type Bug =
  | 'none'
  | 'get-returns-expired'
  | 'create-overwrites'
  | 'create-not-atomic'
  | 'set-keeps-version'
  | 'touch-rewrites-data'
  | 'touch-revives'
  | 'touch-creates'
  | 'touch-hides-missing'
  | 'delete-throws-when-missing'
  | 'cas-ignores-version'
  | 'cas-not-atomic'
  | 'cas-revives'
  | 'index-ignores-user-change'
  | 'index-lists-expired'
  | 'delete-expired-does-nothing'
  | 'expiry-misreported'
  | 'touch-ignored'
  | 'long-expiry-lost'
  | 'payload-truncated'
  | 'payload-normalized'
  | 'has-undeclared-cas'
  | 'gat-never-touches'
  | 'gat-ignores-due'
  | 'gat-moves-earlier'
  | 'gat-revives'
  | 'gat-creates'
  | 'gat-old-version'
  | 'gat-ignores-now'
  | 'has-undeclared-gat';

export type NaiveStore = SessionStore &
  CompareAndSetStore &
  GetAndTouchStore &
  UserIndexStore &
  ExpiredDeletionStore &
  ClosableStore;

interface Row {
  data: string;
  expiresAt: number;
  version: string;
  userId: string | null;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

export function naiveStore(bug: Bug): NaiveStore {
  const rows = new Map<string, Row>();
  let counter = 0;
  const live = (key: string): Row | undefined => {
    const row = rows.get(key);
    if (row === undefined) return undefined;
    if (bug !== 'get-returns-expired' && row.expiresAt <= Date.now()) return undefined;
    if (bug === 'long-expiry-lost' && row.expiresAt - Date.now() > 30 * 24 * 3_600_000) return undefined;
    return row;
  };
  const put = (key: string, write: SessionWrite, keepVersion?: string): string => {
    let data = write.data;
    if (bug === 'payload-truncated') data = data.slice(0, 65_535);
    if (bug === 'payload-normalized') data = data.normalize('NFC');
    const version = keepVersion ?? String(++counter);
    const expiresAt = write.expiresAt;
    const previous = rows.get(key);
    const userId = bug === 'index-ignores-user-change' && previous ? previous.userId : write.userId;
    rows.set(key, { data, expiresAt, version, userId });
    return version;
  };
  const view = (row: Row): StoredSession => ({
    data: row.data,
    expiresAt: bug === 'expiry-misreported' ? row.expiresAt + 60_000 : row.expiresAt,
    version: row.version,
  });

  return {
    async get(key) {
      const row = live(key);
      return row === undefined ? null : view(row);
    },
    async create(key, write) {
      if (bug === 'create-overwrites') return put(key, write);
      if (bug === 'create-not-atomic') {
        const taken = live(key) !== undefined;
        await tick();
        return taken ? null : put(key, write);
      }
      return live(key) === undefined ? put(key, write) : null;
    },
    async set(key, write) {
      return put(key, write, bug === 'set-keeps-version' ? rows.get(key)?.version : undefined);
    },
    async touch(key, expiresAt) {
      const row = bug === 'touch-revives' || bug === 'touch-creates' ? rows.get(key) : live(key);
      if (row === undefined) {
        if (bug === 'touch-creates')
          put(key, { data: '', expiresAt, absoluteExpiresAt: expiresAt, userId: null });
        return bug === 'touch-hides-missing';
      }
      if (bug !== 'touch-ignored') row.expiresAt = expiresAt;
      if (bug === 'touch-rewrites-data') row.data = '';
      return true;
    },
    async getAndTouch(key, touch) {
      const row = bug === 'gat-revives' || bug === 'gat-creates' ? rows.get(key) : live(key);
      if (row === undefined) {
        if (bug !== 'gat-creates') return null;
        const version = put(key, {
          data: '',
          expiresAt: touch.expiresAt,
          absoluteExpiresAt: 0,
          userId: null,
        });
        return { data: '', expiresAt: touch.expiresAt, version, touched: true };
      }
      const due =
        bug === 'gat-ignores-due' ||
        ((bug === 'gat-ignores-now' || row.expiresAt > touch.now) && row.expiresAt <= touch.ifExpiresBy);
      const later = bug === 'gat-moves-earlier' || touch.expiresAt > row.expiresAt;
      const touched = bug !== 'gat-never-touches' && due && later;
      const before = row.version;
      if (touched) {
        row.expiresAt = touch.expiresAt;
        // A store whose touch changes the version must answer the new one.
        row.version = String(++counter);
      }
      return { ...view(row), version: bug === 'gat-old-version' ? before : row.version, touched };
    },
    async delete(key) {
      if (bug === 'delete-throws-when-missing' && !rows.has(key)) throw new Error('no such key');
      rows.delete(key);
    },
    async compareAndSet(key, version, write) {
      const row = bug === 'cas-revives' ? rows.get(key) : live(key);
      if (bug === 'cas-not-atomic') {
        const matches = row?.version === version;
        await tick();
        return matches ? put(key, write) : null;
      }
      if (row === undefined || (bug !== 'cas-ignores-version' && row.version !== version)) return null;
      return put(key, write);
    },
    async listByUser(userId) {
      const found: StoredUserSession[] = [];
      for (const [key, row] of rows) {
        if (row.userId !== userId) continue;
        if (bug !== 'index-lists-expired' && live(key) === undefined) continue;
        found.push({ key, ...view(row) });
      }
      return found;
    },
    async deleteExpired() {
      if (bug === 'delete-expired-does-nothing') return 0;
      let deleted = 0;
      for (const [key, row] of rows) {
        if (row.expiresAt <= Date.now()) {
          rows.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
    async close() {},
  };
}

import type { Bug } from './naive-store.ts';

/** For each bug, the tests (describe block, start of the test title) that must catch it. */
export const EXPECTED_FAILURES: Readonly<
  Record<Exclude<Bug, 'none'>, readonly (readonly [string, string])[]>
> = {
  'get-returns-expired': [['store.get()', 'resolves null once the expiry has passed']],
  'create-overwrites': [['store.create()', 'returns null for a key that exists']],
  'create-not-atomic': [['store.create()', 'lets exactly one of 20 racing creates']],
  'set-keeps-version': [
    ['store.set()', 'overwrites data and expiry'],
    ['store.set()', 'changes the version on every write'],
  ],
  'touch-rewrites-data': [['store.touch()', 'moves the expiry and leaves the data alone']],
  'touch-ignored': [['store.touch()', 'moves the expiry and leaves the data alone']],
  'touch-revives': [['store.touch()', 'does not bring an expired record back']],
  'touch-creates': [['store.touch()', 'resolves false for a missing key and creates nothing']],
  'touch-hides-missing': [
    ['store.touch()', 'resolves false for a missing key and creates nothing'],
    ['store.touch()', 'resolves false for a deleted record'],
  ],
  'delete-throws-when-missing': [['store.delete()', 'is idempotent']],
  'cas-ignores-version': [['store.compareAndSet()', 'returns null for a stale version']],
  'cas-not-atomic': [['store.compareAndSet()', 'lets exactly one of 50 racing writes']],
  'cas-revives': [['store.compareAndSet()', 'returns null for an expired record']],
  'index-ignores-user-change': [['store.listByUser()', 'follows a session to its new user on set()']],
  'index-lists-expired': [['store.listByUser()', 'lists live sessions only']],
  'delete-expired-does-nothing': [['store.deleteExpired()', 'removes expired records']],
  'expiry-misreported': [['store.get()', 'returns the data, the expiry and a version']],
  'long-expiry-lost': [
    ['store.get()', 'keeps a record whose expiry is more than 30 days away'],
    [
      'core on this store: a session with a lifetime of its own (remember me)',
      'stores the expiry of its own idle timeout',
    ],
  ],
  'payload-truncated': [['store.get()', 'hands back a 100 KiB payload']],
  'payload-normalized': [['store.get()', 'hands back opaque payload 0']],
  'has-undeclared-cas': [
    ['storeCapabilities()', 'detects exactly the declared capabilities'],
    ['store.compareAndSet()', 'is absent, as declared'],
  ],
  'gat-never-touches': [['store.getAndTouch()', 'moves a due expiry']],
  'gat-ignores-due': [['store.getAndTouch()', 'leaves an expiry that is not due alone']],
  'gat-moves-earlier': [['store.getAndTouch()', 'never moves an expiry earlier']],
  'gat-revives': [['store.getAndTouch()', 'answers null for an expired record']],
  'gat-creates': [['store.getAndTouch()', 'answers null for a missing key and creates nothing']],
  'gat-old-version': [['store.getAndTouch()', 'moves a due expiry']],
  'gat-ignores-now': [['store.getAndTouch()', "never touches a record the caller's clock says has expired"]],
  'has-undeclared-gat': [
    ['storeCapabilities()', 'detects exactly the declared capabilities'],
    ['store.getAndTouch()', 'is absent, as declared'],
  ],
};

/** The bugs spread over a few files, so their one-second waits run side by side. */
export const GROUPS: readonly (readonly Bug[])[] = [
  ['none', 'get-returns-expired', 'create-overwrites', 'create-not-atomic'],
  ['set-keeps-version', 'touch-rewrites-data', 'touch-ignored', 'touch-revives'],
  [
    'touch-creates',
    'touch-hides-missing',
    'delete-throws-when-missing',
    'cas-ignores-version',
    'cas-not-atomic',
  ],
  ['cas-revives', 'index-ignores-user-change', 'index-lists-expired', 'delete-expired-does-nothing'],
  ['expiry-misreported', 'long-expiry-lost', 'payload-truncated', 'payload-normalized', 'has-undeclared-cas'],
  ['gat-never-touches', 'gat-ignores-due', 'gat-moves-earlier', 'gat-revives'],
  ['gat-creates', 'gat-old-version', 'gat-ignores-now', 'has-undeclared-gat'],
];

/** The outer describe block of a mutant's run. */
export const suiteTitle = (bug: Bug): string => `${bug}: session store conformance`;

export {
  appendItem,
  checkCredentials,
  type DemoData,
  DemoError,
  type DemoSessionInfo,
  type DemoState,
  deviceOf,
  FLASH_KEY,
  MAX_CART_ITEMS,
  MAX_DEVICE_LENGTH,
  MAX_ITEM_LENGTH,
  noUserIndex,
  requireUser,
  sessionList,
  unlisted,
} from './actions.ts';
export { type DemoConfig, loadConfig, SCENARIO_PREFIX, type StoreKind } from './config.ts';
export { holdAtGate } from './gate.ts';
export { errorOutcome, isFormPost, NOT_FOUND, type Outcome, perform } from './outcome.ts';
export {
  escapeHtml,
  lastSeen,
  type PageOptions,
  renderPage,
  type SessionRow,
  sessionRows,
  utcMinute,
} from './page.ts';
export {
  type DemoSetup,
  demoSessionOptions,
  type ListeningServer,
  serveUntilSignal,
  setUpDemo,
} from './serve.ts';
export { createDemoStore, DEMO_PREFIX, DEMO_TABLE, type DemoStore } from './stores.ts';

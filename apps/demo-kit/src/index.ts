export {
  addToCart,
  type DemoData,
  DemoError,
  type DemoSessionInfo,
  type DemoState,
  FLASH_KEY,
  increment,
  listSessions,
  login,
  logout,
  MAX_ITEM_LENGTH,
  readState,
  revokeOthers,
} from './actions.ts';
export { type DemoConfig, loadConfig, SCENARIO_PREFIX, type StoreKind } from './config.ts';
export { holdAtGate } from './gate.ts';
export { type DemoAction, errorOutcome, isFormPost, NOT_FOUND, type Outcome, perform } from './outcome.ts';
export { escapeHtml, type PageOptions, renderDemoPage, renderPage } from './page.ts';
export {
  type DemoSetup,
  demoSessionOptions,
  type ListeningServer,
  serveUntilSignal,
  setUpDemo,
} from './serve.ts';
export { createDemoStore, DEMO_PREFIX, DEMO_TABLE, type DemoStore } from './stores.ts';

// Entry for the `node` export condition: the same API, with `node:crypto` as the default provider.
// Its own createSessionManager takes precedence over the one `export *` would bring.

export { nodeCryptoProvider } from './crypto-node.ts';
export { createSessionManager } from './factory-node.ts';
export * from './index.ts';

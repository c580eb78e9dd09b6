// Entry for the `node` export condition: the same API, with `node:crypto` as the default provider.
export * from './index.ts';
export { nodeCryptoProvider } from './crypto-node.ts';

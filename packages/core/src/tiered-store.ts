// Owned by the tiered-store work; see packages/kysely.
export {};

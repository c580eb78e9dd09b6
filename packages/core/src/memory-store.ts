// Owned by the memory-store work.
export {};

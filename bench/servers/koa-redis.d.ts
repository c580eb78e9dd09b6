// koa-redis ships no types; what the bench uses of it.
declare module 'koa-redis' {
  interface KoaRedisStore {
    get(
      key: string,
      maxAge: number | 'session' | undefined,
      options: { rolling: boolean | undefined },
    ): Promise<unknown>;
    set(
      key: string,
      session: unknown,
      maxAge: number | 'session' | undefined,
      options: object,
    ): Promise<void>;
    destroy(key: string): Promise<void>;
    quit(): Promise<void>;
  }
  export default function redisStore(options: { host: string; port: number }): KoaRedisStore;
}

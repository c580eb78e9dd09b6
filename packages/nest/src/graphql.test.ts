// The GraphQL recipe of the README, run for real with Apollo on both platforms: resolvers read and
// write the session through SessionService (AsyncLocalStorage), @Session() and getRequestSession().
import 'reflect-metadata';
import { memoryStore } from '@cloakroom/session-core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, Context, GraphQLModule, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { getRequestSession } from './access.ts';
import { Session } from './session-decorator.ts';
import { SessionModule } from './session-module.ts';
import { SessionService } from './session-service.ts';
import { type Observed, send } from './testing/http.ts';
import { type Platform, type RunningApp, startApp } from './testing/scenario-app.ts';

interface Cart extends Record<string, unknown> {
  cart: string[];
}

@Resolver()
class CartResolver {
  constructor(private readonly sessions: SessionService<Cart>) {}

  @Query(() => [String])
  async cart(): Promise<string[]> {
    return (await this.sessions.session.get('cart')) ?? [];
  }

  @Mutation(() => Int)
  async add(@Args('item') item: string, @Session() session: Session<Cart>): Promise<number> {
    const cart = [...((await session.get('cart')) ?? []), item];
    session.set('cart', cart);
    return cart.length;
  }

  @Mutation(() => Boolean)
  signIn(@Args('user') user: string, @Context('req') req: unknown): boolean {
    const session = getRequestSession(req);
    if (session === undefined) return false;
    session.setUser(user);
    session.regenerate();
    return true;
  }

  @Query(() => String, { nullable: true })
  user(@Session() session: Session<Cart>): Promise<string | null> {
    return session.getUser();
  }
}

let running: RunningApp | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

function startGraphql(platform: Platform, csrf = false): Promise<RunningApp> {
  return startApp(platform, {
    imports: [
      SessionModule.forRoot({
        store: memoryStore({ warn: false }),
        secret: 'graphql-test-secret-0123456789abcdefghijklm',
        cookie: { name: 'sid', secure: false },
        csrf,
      }),
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
    ],
    controllers: [],
    providers: [CartResolver],
  });
}

function graphql(app: RunningApp, query: string, cookie?: string): Promise<Observed> {
  return send(app.baseUrl, '/graphql', {
    json: { query },
    cookie,
    headers: { 'apollo-require-preflight': 'true' },
  });
}

describe.each(['express', 'fastify'] as const)('GraphQL resolvers on %s', (platform) => {
  it('read and write the session, saved before the GraphQL response leaves', async () => {
    running = await startGraphql(platform);
    const first = await graphql(running, 'mutation { add(item: "tea") }');
    expect(first.json(), first.body).toEqual({ data: { add: 1 } });
    let cookie = first.cookie('sid');
    expect(cookie, 'the Set-Cookie is in the GraphQL response').toBeDefined();
    expect((await graphql(running, 'mutation { add(item: "jam") }', cookie)).json()).toEqual({
      data: { add: 2 },
    });
    expect((await graphql(running, '{ cart }', cookie)).json()).toEqual({ data: { cart: ['tea', 'jam'] } });

    const signIn = await graphql(running, 'mutation { signIn(user: "ada") }', cookie);
    expect(signIn.json()).toEqual({ data: { signIn: true } });
    const renewed = signIn.cookie('sid');
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(cookie);
    cookie = renewed;
    expect((await graphql(running, '{ user cart }', cookie)).json()).toEqual({
      data: { user: 'ada', cart: ['tea', 'jam'] },
    });
    expect((await graphql(running, '{ user cart }')).json()).toEqual({ data: { user: null, cart: [] } });
  });
});

describe.each(['express', 'fastify'] as const)('GraphQL with csrf on %s', (platform) => {
  it('refuses a mutation posted from a foreign Origin (FORBIDDEN, not run), accepts a same-origin one', async () => {
    running = await startGraphql(platform, true);
    const foreign = await send(running.baseUrl, '/graphql', {
      json: { query: 'mutation { add(item: "tea") }' },
      headers: { 'apollo-require-preflight': 'true', origin: 'https://evil.example' },
    });
    // Nest's Apollo driver answers resolver errors with HTTP 200 by design (nestjs/graphql#2940); the
    // refusal is the guard's 403 as a FORBIDDEN error, and the mutation never ran.
    expect(foreign.json(), foreign.body).toMatchObject({
      data: null,
      errors: [{ path: ['add'], extensions: { code: 'FORBIDDEN', originalError: { statusCode: 403 } } }],
    });
    expect(foreign.cookie('sid'), 'nothing was written').toBeUndefined();

    const same = await send(running.baseUrl, '/graphql', {
      json: { query: 'mutation { add(item: "tea") }' },
      headers: { 'apollo-require-preflight': 'true', origin: running.baseUrl },
    });
    expect(same.json(), same.body).toEqual({ data: { add: 1 } });
    expect(same.cookie('sid')).toBeDefined();
  });
});

// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and
// `@Session() session: Session`, `SessionService` and `getRequestSession()` follow without a type
// argument. Each `@type-error` line must fail with exactly that code.
import { memoryStore } from '@cloakroom/session-core';
import { getRequestSession, Session, SessionModule, SessionService } from '@cloakroom/session-nest';
import { Controller, Get, Injectable, Module, Post } from '@nestjs/common';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
    cart: string[];
  }
}

@Controller()
export class CartController {
  @Get('cart')
  async cart(@Session() session: Session): Promise<string[]> {
    // Positive controls: the declared keys, with their declared types.
    const cart: string[] = (await session.get('cart')) ?? [];
    session.set('visits', 1);
    // @type-error TS2345 a misspelled key
    await session.get('crat');
    // @type-error TS2345 visits is a number
    session.set('visits', 'many');
    return cart;
  }
}

@Injectable()
export class CartService {
  constructor(private readonly sessions: SessionService) {}

  async add(item: string): Promise<string[]> {
    // Positive control.
    const cart: string[] = await this.sessions.session.update('cart', (items = []) => [...items, item]);
    // @type-error TS2345 a misspelled key
    this.sessions.session.set('crat', []);
    // @type-error TS2345 a misspelled key, read-only too
    await this.sessions.readOnly('sid=x').get('crat');
    return cart;
  }
}

@Controller()
export class GraphqlLikeController {
  @Post('sign-out')
  async signOut(request: unknown): Promise<number | undefined> {
    const session = getRequestSession(request);
    // Positive control.
    const visits: number | undefined = await session?.get('visits');
    // @type-error TS2345 a misspelled key
    session?.set('vists', 2);
    return visits;
  }
}

@Module({
  imports: [SessionModule.forRoot({ store: memoryStore(), secret: 'x'.repeat(32) })],
  controllers: [CartController, GraphqlLikeController],
  providers: [CartService],
})
export class AppModule {}

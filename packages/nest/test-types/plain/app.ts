// Type test (scripts/type-fixtures.mjs): with nothing declared, the session holds any JSON record, and
// a handler may still type one session with its own data.
import { Session, SessionService } from '@cloakroom/session-nest';
import { Controller, Get } from '@nestjs/common';

@Controller()
export class AnyController {
  constructor(private readonly sessions: SessionService) {}

  @Get('any')
  async any(@Session() session: Session): Promise<unknown> {
    // Positive controls: any key, any JSON value, read back as unknown.
    session.set('anything', { nested: [1] });
    const value: unknown = await this.sessions.session.get('anything');
    // @type-error TS2322 values are unknown until narrowed
    const count: number | undefined = await session.get('count');
    return { value, count };
  }

  @Get('typed')
  async typed(@Session() session: Session<{ cart: string[] }>): Promise<string[]> {
    // Positive control: a data type given in place.
    const cart: string[] = (await session.get('cart')) ?? [];
    // @type-error TS2345 not a key of the data type
    session.set('crat', []);
    return cart;
  }
}

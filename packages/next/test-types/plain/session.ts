// Type test (scripts/type-fixtures.mjs): with nothing declared, the session holds any JSON record, and
// `createNextSession<Data>()` still types one app in place.
import { memoryStore } from '@cloakroom/session-core';
import { createNextSession } from '@cloakroom/session-next';

const plain = createNextSession({ store: memoryStore(), secret: 'x'.repeat(32) });
export async function Any(): Promise<unknown> {
  const session = await plain.getSession();
  // Positive control: any key, read back as unknown.
  const value: unknown = await session.get('anything');
  // @type-error TS2322 values are unknown until narrowed
  const count: number | undefined = await session.get('count');
  return { value, count };
}

const typed = createNextSession<{ cart: string[] }>({ store: memoryStore(), secret: 'x'.repeat(32) });
export const add = typed.action(async (item: string) => {
  const session = await typed.getWritableSession();
  // Positive control: a data type given in place.
  await session.update('cart', (items = []) => [...items, item]);
  // @type-error TS2345 not a key of the data type
  session.set('crat', [item]);
});

import { describe, expect, it } from 'vitest';
import { HashRing } from './ring.ts';

const keys = Array.from({ length: 3000 }, (_, n) => `key-${n}`);

function ring(ids: string[]): HashRing<string> {
  return new HashRing(ids.map((id) => ({ id, value: id })));
}

describe('HashRing', () => {
  it('is deterministic and spreads keys roughly evenly', () => {
    const three = ring(['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211']);
    const again = ring(['10.0.0.3:11211', '10.0.0.1:11211', '10.0.0.2:11211']);
    const counts = new Map<string, number>();
    for (const key of keys) {
      const owner = three.get(key);
      expect(again.get(key)).toBe(owner);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect(counts.size).toBe(3);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700);
  });

  it('moves only the keys the new server takes over when a server joins', () => {
    const before = ring(['a:1', 'b:1', 'c:1']);
    const after = ring(['a:1', 'b:1', 'c:1', 'd:1']);
    let moved = 0;
    for (const key of keys) {
      const owner = after.get(key);
      if (owner !== before.get(key)) {
        expect(owner).toBe('d:1');
        moved += 1;
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.1);
    expect(moved / keys.length).toBeLessThan(0.4);
  });

  it('sends every key to the only server', () => {
    const one = ring(['solo:11211']);
    for (const key of keys.slice(0, 50)) expect(one.get(key)).toBe('solo:11211');
  });
});

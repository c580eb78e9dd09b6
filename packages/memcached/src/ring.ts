import { createHash } from 'node:crypto';

/** Points each server gets on the ring: 40 MD5 digests of 4 points each, as ketama places them. */
const DIGESTS_PER_SERVER = 40;

/**
 * A ketama-style consistent-hash ring. Each server owns 160 points derived from MD5 of `"<id>-<n>"`;
 * a key belongs to the first point at or after the MD5 of the key. Adding or removing one of n servers
 * moves about 1/n of the keys, the property a cache cluster needs so that a change of membership does
 * not empty every server at once.
 */
export class HashRing<T> {
  readonly #points: Uint32Array;
  readonly #owners: T[];

  constructor(nodes: ReadonlyArray<{ readonly id: string; readonly value: T }>) {
    const entries: Array<{ point: number; value: T }> = [];
    for (const node of nodes) {
      for (let n = 0; n < DIGESTS_PER_SERVER; n++) {
        const digest = createHash('md5').update(`${node.id}-${n}`).digest();
        for (let part = 0; part < 4; part++)
          entries.push({ point: digest.readUInt32LE(part * 4), value: node.value });
      }
    }
    entries.sort((a, b) => a.point - b.point);
    this.#points = Uint32Array.from(entries, (entry) => entry.point);
    this.#owners = entries.map((entry) => entry.value);
  }

  /** The node that owns `key`. */
  get(key: string): T {
    const hash = createHash('md5').update(key).digest().readUInt32LE(0);
    const points = this.#points;
    let low = 0;
    let high = points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return this.#owners[low === points.length ? 0 : low]!;
  }
}

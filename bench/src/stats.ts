/** Small statistics over repeated measurements. */

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `p` percent of the values fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Spread of repeated measurements: (max - min) / median, so 0.04 reads "±2 % around the median". */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m;
}

/**
 * A ratio with its spread. When both lists hold one sample per sweep (same length), each sweep's own
 * ratio is taken (the two were measured minutes apart at most, so machine noise cancels) and the result
 * is their median, with their minimum and maximum. Otherwise: the ratio of the medians, with the range
 * from the extreme pairs.
 */
export function ratio(
  numerator: readonly number[],
  denominator: readonly number[],
): { value: number; low: number; high: number } {
  if (numerator.length === denominator.length && numerator.length > 0) {
    const each = numerator.map((n, i) => n / denominator[i]!);
    return { value: median(each), low: Math.min(...each), high: Math.max(...each) };
  }
  const value = median(numerator) / median(denominator);
  return {
    value,
    low: Math.min(...numerator) / Math.max(...denominator),
    high: Math.max(...numerator) / Math.min(...denominator),
  };
}

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

/** The ratio of two medians, and its range from the extreme pairs of the samples. */
export function ratio(
  numerator: readonly number[],
  denominator: readonly number[],
): { value: number; low: number; high: number } {
  const value = median(numerator) / median(denominator);
  return {
    value,
    low: Math.min(...numerator) / Math.max(...denominator),
    high: Math.max(...numerator) / Math.min(...denominator),
  };
}

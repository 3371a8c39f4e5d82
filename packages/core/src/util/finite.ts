/** The index of the first value that is NaN or infinite, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for finite numbers and NaN for NaN and the infinities.
    if (v - v !== 0) return i;
  }
  return -1;
}

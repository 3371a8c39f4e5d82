import type { MeasuredRate } from '@attrib/core';

/** A rate in compact scientific or fixed notation: 0, 0.012, 3.7e-4. */
export function formatRate(value: number): string {
  if (value === 0) return '0';
  if (value === 1) return '1';
  return value >= 0.01 ? value.toFixed(3) : value.toExponential(1);
}

/** `k/n rate [lower, upper]`: a measured rate with its exact interval. */
export function formatMeasured(rate: MeasuredRate | null | undefined): string {
  if (!rate) return '-';
  if (rate.n === 0) return 'none measured';
  return `${rate.k}/${rate.n} [${formatRate(rate.lower)}, ${formatRate(rate.upper)}]`;
}

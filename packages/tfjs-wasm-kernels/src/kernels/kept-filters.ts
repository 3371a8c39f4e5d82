import { DerivedTensors } from './derived-tensors.js';

/**
 * What the convolution kernels derive from each filter they see (phase sub-filters, packed
 * panels), kept while the filter lives: a frozen model's are made once.
 */
export const keptFilters = new DerivedTensors();

/** Filters with derived tensors kept (for tests). */
export function keptFilterCount(): number {
  return keptFilters.size;
}

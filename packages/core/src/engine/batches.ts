import type { Rng } from '../contracts/rng.js';
import { permutation } from '../util/rng.js';

/**
 * The batches of one epoch as index lists: a shuffled order of the whole data set (PyTorch's
 * `DataLoader(shuffle=True, drop_last=False)`: the last batch may be smaller), cut after
 * `stepsPerEpoch` batches when that is set.
 */
export function epochBatches(size: number, batchSize: number, rng: Rng, stepsPerEpoch?: number): number[][] {
  if (size <= 0) throw new Error('the data set is empty; training needs real images');
  const order = permutation(size, rng);
  const batches: number[][] = [];
  for (let start = 0; start < size; start += batchSize) {
    if (stepsPerEpoch !== undefined && batches.length >= stepsPerEpoch) break;
    batches.push(order.slice(start, start + batchSize));
  }
  return batches;
}

/**
 * Batch sizes of an epoch that reads no real images (keyed-generator stages): as many steps as a
 * pass over the data would take, with the same sizes.
 */
export function epochBatchSizes(size: number, batchSize: number, stepsPerEpoch?: number): number[] {
  if (size <= 0) throw new Error('the data set is empty; an epoch is a pass over it');
  const sizes: number[] = [];
  for (let start = 0; start < size; start += batchSize) {
    if (stepsPerEpoch !== undefined && sizes.length >= stepsPerEpoch) break;
    sizes.push(Math.min(batchSize, size - start));
  }
  return sizes;
}

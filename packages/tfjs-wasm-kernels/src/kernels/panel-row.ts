import { TILE_COLUMNS } from '../simd/indirect-gemm.js';

/**
 * Source floats per block of rows when packing panels (128 KB, which stays in the L2 cache): a
 * large matrix packed panel by panel reads a new cache line for every row, and row by row writes
 * to every panel at once; by blocks, each panel's part of a block is written in order while the
 * block's rows stay in the cache (a 4x4x256x512 filter: about 10 ms panel by panel, 4 by blocks).
 */
export const PACK_BLOCK_FLOATS = 32 * 1024;

/**
 * Copies `width` (at most TILE_COLUMNS) floats from source[from] to one row of a filter panel at
 * target[to]. A whole row is written out for TILE_COLUMNS = 8: V8 does not unroll a loop over it,
 * which is several times slower.
 */
export function copyPanelRow(source: Float32Array, from: number, target: Float32Array, to: number, width: number): void {
  if (width !== TILE_COLUMNS) {
    for (let k = 0; k < width; k++) target[to + k] = source[from + k]!;
    return;
  }
  target[to] = source[from]!;
  target[to + 1] = source[from + 1]!;
  target[to + 2] = source[from + 2]!;
  target[to + 3] = source[from + 3]!;
  target[to + 4] = source[from + 4]!;
  target[to + 5] = source[from + 5]!;
  target[to + 6] = source[from + 6]!;
  target[to + 7] = source[from + 7]!;
}

import { TILE_COLUMNS } from './simd/indirect-gemm.js';

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

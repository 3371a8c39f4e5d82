import type { KernelScope } from './kernel-scope.js';
import { TILE_ROWS } from '../simd/indirect-gemm.js';
import type { WasmHeapBackend } from './wasm-heap.js';

/** One indirect matrix product's tables (see simd/indirect-gemm.ts), offsets in bytes. */
export interface GemmTables {
  readonly rowTiles: number;
  readonly taps: number;
  /** Per row tile, per tap, TILE_ROWS input offsets (-1: the zero vector). */
  readonly indirection: Int32Array;
  /** Per row tile, TILE_ROWS output offsets. */
  readonly outRows: Int32Array;
}

/**
 * Builds the tables of `rows` output rows over `taps` taps: `inputOffset(row, tap)` (in floats,
 * or -1 for padding) and `outputOffset(row)` (in floats). A short last tile repeats its last row.
 */
export function buildTables(rows: number, taps: number, inputOffset: (row: number, tap: number) => number, outputOffset: (row: number) => number): GemmTables {
  const rowTiles = Math.ceil(rows / TILE_ROWS);
  const indirection = new Int32Array(rowTiles * TILE_ROWS * taps);
  const outRows = new Int32Array(rowTiles * TILE_ROWS);
  for (let slot = 0; slot < rowTiles * TILE_ROWS; slot++) {
    const row = Math.min(slot, rows - 1);
    const tile = Math.floor(slot / TILE_ROWS);
    const lane = slot % TILE_ROWS;
    for (let t = 0; t < taps; t++) {
      const offset = inputOffset(row, t);
      indirection[(tile * taps + t) * TILE_ROWS + lane] = offset < 0 ? -1 : offset * 4;
    }
    outRows[slot] = outputOffset(row) * 4;
  }
  return { rowTiles, taps, indirection, outRows };
}

/**
 * Tables by the shapes they were built for, the most recently used kept (a model has a handful of
 * layer shapes; a table of a batch-100 layer is a few hundred kilobytes).
 */
export class TableCache {
  private readonly tables = new Map<string, GemmTables[]>();

  constructor(private readonly capacity = 32) {}

  get(key: string, build: () => GemmTables[]): GemmTables[] {
    let found = this.tables.get(key);
    if (found !== undefined) {
      this.tables.delete(key);
    } else {
      found = build();
      if (this.tables.size >= this.capacity) this.tables.delete(this.tables.keys().next().value!);
    }
    this.tables.set(key, found);
    return found;
  }
}

/**
 * Copies `tables` to a scratch tensor of `scope` and returns where each starts (byte addresses).
 * It allocates: views the caller took before it may be detached, take them after.
 */
export function placeTables(scope: KernelScope, tables: readonly GemmTables[]): Array<{ indirection: number; outRows: number }> {
  const heap = scope.backend as WasmHeapBackend;
  const total = tables.reduce((sum, t) => sum + t.indirection.length + t.outRows.length, 0);
  const scratch = heap.makeOutput([Math.max(1, total)], 'float32');
  scope.adopt(scratch);
  const view = heap.typedArrayFromHeap(scratch);
  const ints = new Int32Array(view.buffer, view.byteOffset, view.length);
  let at = 0;
  return tables.map((t) => {
    ints.set(t.indirection, at);
    ints.set(t.outRows, at + t.indirection.length);
    const placed = { indirection: view.byteOffset + at * 4, outRows: view.byteOffset + (at + t.indirection.length) * 4 };
    at += t.indirection.length + t.outRows.length;
    return placed;
  });
}

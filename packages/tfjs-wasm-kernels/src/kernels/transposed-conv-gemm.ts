import type { TensorInfo } from '@tensorflow/tfjs-core';
import { affineVariant, mappedZero, type ChannelAffine } from './channel-affine.js';
import type { AxisPlan, PhaseProblem } from './phase-plan.js';
import type { KernelScope } from './kernel-scope.js';
import { keptFilters } from './kept-filters.js';
import { buildTables, placeTables, TableCache, type GemmTables } from './gemm-tables.js';
import { indirectGemmOn, TILE_COLUMNS } from '../simd/indirect-gemm.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

/** One tap of a phase: correlation tap (th, tw) of the phase, original filter tap (kh, kw). */
interface Tap {
  readonly th: number;
  readonly tw: number;
  readonly kh: number;
  readonly kw: number;
}

/** Per phase in row-major (rh, rw) order, the taps that reach it (none: the phase is all padding). */
function phaseTaps(rows: AxisPlan, cols: AxisPlan): Tap[][] {
  const phases: Tap[][] = [];
  for (let rh = 0; rh < rows.stride; rh++) {
    for (let rw = 0; rw < cols.stride; rw++) {
      const taps: Tap[] = [];
      rows.phases[rh]!.filterTap.forEach((kh, th) => {
        cols.phases[rw]!.filterTap.forEach((kw, tw) => {
          if (kh >= 0 && kw >= 0) taps.push({ th, tw, kh, kw });
        });
      });
      phases.push(taps);
    }
  }
  return phases;
}

/** Whether {@link phasesByGemm} can run on this backend (see {@link heapMemory}). */
export function gemmPhasesApply(scope: KernelScope): boolean {
  return heapMemory(scope.backend) !== undefined;
}

/**
 * The transposed convolution's phases (see byPhases in conv2d-backprop-input.ts) as one indirect
 * matrix product each (simd/indirect-gemm.ts), written straight into the output's pixels: no
 * padded or cropped input, no per-phase output and no interleave pass. Each phase's filter
 * panels (its taps only, times the affine scale) are kept with the filter; the affine shift is
 * the product's bias and ReLU its last step. Needs outDepth a multiple of TILE_COLUMNS and
 * {@link gemmPhasesApply}.
 */
export function phasesByGemm(scope: KernelScope, problem: PhaseProblem): TensorInfo {
  const { dy, filter, outShape, rows, cols, affine } = problem;
  const heap = scope.backend as WasmHeapBackend;
  const [, , , outDepth] = outShape;
  const [, , , inDepth] = dy.shape as [number, number, number, number];
  const taps = phaseTaps(rows, cols);
  const plan = JSON.stringify([rows, cols]);
  const derived = keptFilters.get(scope.backend, filter, `gemm phases${affine ? ' affine' : ''} ${plan}`,
    () => packPhases(heap, filter, taps, affine), affine === undefined ? undefined : affineVariant(affine));
  const tables = phaseTableCache.get(JSON.stringify([plan, dy.shape, outShape]), () => phaseTables(dy.shape, outShape, rows, cols, taps));
  const output = heap.makeOutput(outShape, 'float32');
  scope.adopt(output);
  const zero = heap.makeOutput([inDepth], 'float32');
  scope.adopt(zero);
  const placed = placeTables(scope, tables);
  // Views after the last allocation (an allocation may grow the heap).
  const out = heap.typedArrayFromHeap(output);
  const zeroView = heap.typedArrayFromHeap(zero);
  zeroView.fill(0);
  const gemm = indirectGemmOn(heapMemory(scope.backend)!);
  const inputBase = heap.typedArrayFromHeap(dy).byteOffset;
  const biasAddress = heap.typedArrayFromHeap(derived[derived.length - 1]!).byteOffset;
  const empty = affine === undefined ? undefined : mappedZero(affine);
  let withTaps = 0;
  taps.forEach((phaseTapList, phase) => {
    if (phaseTapList.length === 0) {
      fillPhase(out, outShape, Math.floor(phase / cols.stride), phase % cols.stride, rows.stride, cols.stride, empty);
      return;
    }
    const table = tables[withTaps]!;
    const { indirection, outRows } = placed[withTaps]!;
    const packed = heap.typedArrayFromHeap(derived[withTaps++]!).byteOffset;
    if (table.rowTiles === 0) return; // the phase lies wholly outside the output
    gemm(indirection, outRows, packed, biasAddress, table.rowTiles, table.taps, inDepth, outDepth / TILE_COLUMNS,
      affine?.activation === 'relu' ? 1 : 0, inputBase, zeroView.byteOffset, out.byteOffset);
  });
  return output;
}

/** The tables of the phases with taps, by input shape, output shape and plan. */
const phaseTableCache = new TableCache();

/**
 * For each phase with taps, its rows (output pixels in batch, row, column order) and, per tap,
 * the input pixel each reads: correlation output m of the phase at tap th reads padded input row
 * m + th, input row m + th - before (likewise for columns); outside the input it reads zeros.
 */
function phaseTables(dyShape: readonly number[], outShape: readonly number[], rows: AxisPlan, cols: AxisPlan, taps: readonly Tap[][]): GemmTables[] {
  const [batch, outHeight, outWidth, outDepth] = outShape as [number, number, number, number];
  const [, inHeight, inWidth, inDepth] = dyShape as [number, number, number, number];
  const tables: GemmTables[] = [];
  taps.forEach((phaseTapList, phase) => {
    if (phaseTapList.length === 0) return;
    const rh = Math.floor(phase / cols.stride);
    const rw = phase % cols.stride;
    const height = countBelow(outHeight, rh, rows.stride);
    const width = countBelow(outWidth, rw, cols.stride);
    const rowBefore = rows.phases[rh]!.before;
    const colBefore = cols.phases[rw]!.before;
    const pixel = (row: number): [number, number, number] => [Math.floor(row / (height * width)), Math.floor(row / width) % height, row % width];
    tables.push(buildTables(batch * height * width, phaseTapList.length, (row, t) => {
      const [n, m, k] = pixel(row);
      const iy = m + phaseTapList[t]!.th - rowBefore;
      const ix = k + phaseTapList[t]!.tw - colBefore;
      return iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth ? ((n * inHeight + iy) * inWidth + ix) * inDepth : -1;
    }, (row) => {
      const [n, m, k] = pixel(row);
      return ((n * outHeight + m * rows.stride + rh) * outWidth + k * cols.stride + rw) * outDepth;
    }));
  });
  return tables;
}

/** How many of 0..size-1 are phase + stride * i. */
function countBelow(size: number, phase: number, stride: number): number {
  return phase < size ? Math.ceil((size - phase) / stride) : 0;
}

/** Sets every pixel of phase (rh, rw) to `value` per channel (zero when absent). */
function fillPhase(out: Float32Array, outShape: readonly number[], rh: number, rw: number, strideH: number, strideW: number, value?: Float32Array): void {
  const [batch, outHeight, outWidth, depth] = outShape as [number, number, number, number];
  for (let n = 0; n < batch; n++) {
    for (let oy = rh; oy < outHeight; oy += strideH) {
      for (let ox = rw; ox < outWidth; ox += strideW) {
        const to = ((n * outHeight + oy) * outWidth + ox) * depth;
        if (value === undefined) out.fill(0, to, to + depth);
        else out.set(value, to);
      }
    }
  }
}

/**
 * Each phase's panels, [outDepth / TILE_COLUMNS][taps][inDepth][TILE_COLUMNS], from the filter
 * [kh, kw, outDepth, inDepth] (times the scale per output channel), for the phases with taps;
 * then the bias (the shift, or zeros). Kept in {@link keptFilters}, not freed with the scope.
 */
function packPhases(heap: WasmHeapBackend, filter: TensorInfo, taps: readonly Tap[][], affine?: ChannelAffine): TensorInfo[] {
  const [, filterWidth, outDepth, inDepth] = filter.shape as [number, number, number, number];
  const made = taps.filter((list) => list.length > 0).map((list) => heap.makeOutput([list.length * inDepth * outDepth], 'float32'));
  const bias = heap.makeOutput([outDepth], 'float32');
  const source = heap.typedArrayFromHeap(filter);
  let index = 0;
  for (const list of taps) {
    if (list.length === 0) continue;
    const target = heap.typedArrayFromHeap(made[index++]!);
    // Panel by panel, so the writes run in order; each panel row gathers one input channel of the
    // panel's 8 filters (written out for TILE_COLUMNS = 8:
    // V8 does not unroll a loop over them, which is 4x slower).
    let to = 0;
    for (let first = 0; first < outDepth; first += TILE_COLUMNS) {
      const [s0, s1, s2, s3, s4, s5, s6, s7] = Array.from({ length: TILE_COLUMNS }, (_, k) => (affine === undefined ? 1 : affine.scale[first + k]!)) as
        [number, number, number, number, number, number, number, number];
      for (const { kh, kw } of list) {
        const from = ((kh * filterWidth + kw) * outDepth + first) * inDepth;
        for (let c = 0, f = from; c < inDepth; c++, f++, to += TILE_COLUMNS) {
          target[to] = source[f]! * s0;
          target[to + 1] = source[f + inDepth]! * s1;
          target[to + 2] = source[f + 2 * inDepth]! * s2;
          target[to + 3] = source[f + 3 * inDepth]! * s3;
          target[to + 4] = source[f + 4 * inDepth]! * s4;
          target[to + 5] = source[f + 5 * inDepth]! * s5;
          target[to + 6] = source[f + 6 * inDepth]! * s6;
          target[to + 7] = source[f + 7 * inDepth]! * s7;
        }
      }
    }
  }
  const biasView = heap.typedArrayFromHeap(bias);
  if (affine === undefined) biasView.fill(0);
  else biasView.set(affine.shift);
  return [...made, bias];
}

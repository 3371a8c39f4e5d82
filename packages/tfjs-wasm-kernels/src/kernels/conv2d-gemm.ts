import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { buildTables, placeTables, TableCache, type GemmTables } from './gemm-tables.js';
import { withKernelScope } from './kernel-scope.js';
import { keptFilters } from './kept-filters.js';
import { copyPanelRow, PACK_BLOCK_FLOATS } from './panel-row.js';
import { indirectGemmOn, TILE_COLUMNS } from '../simd/indirect-gemm.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

/**
 * `Conv2D` (NHWC, float32) as one indirect matrix product (simd/indirect-gemm.ts): each output
 * pixel reads its input pixels through a table kept per shape, and the filter is packed into
 * column panels once per filter tensor (kept while it lives); with relaxed SIMD each step is a
 * fused multiply-add. Output channels that are not a multiple of TILE_COLUMNS are computed into
 * padded rows, then copied. tfjs-backend-wasm 4.22's own kernel, which gets NCHW, other dtypes
 * and (where it is correct) inputs of 1 to 3 channels, is wrong for a non-square filter with
 * numeric padding (a 2x3 filter, pad 1) and writes out of bounds with explicit padding.
 */
export function makeConv2DKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: { inputs: { x?: TensorInfo; filter?: TensorInfo }; backend: KernelBackend; attrs: Conv2DAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, filter } = inputs;
    if (x === undefined || filter === undefined) throw new Error('Conv2D needs inputs x and filter');
    const memory = heapMemory(backend);
    const empty = x.shape.some((d) => d === 0) || filter.shape.some((d) => d === 0);
    if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32' || memory === undefined || empty || shippedIsFaster(filter, attrs)) {
      return original.kernelFunc(args as never) as TensorInfo;
    }
    return withKernelScope(backend, backendName, (scope) => {
      const heap = backend as WasmHeapBackend;
      const [, , inDepth, outDepth] = filter.shape as [number, number, number, number];
      const padded = Math.ceil(outDepth / TILE_COLUMNS) * TILE_COLUMNS;
      const info = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
        attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode);
      const [packed] = keptFilters.get(backend, filter, 'gemm conv', () => [packFilter(heap, filter, padded)]);
      const rows = info.batchSize * info.outHeight * info.outWidth;
      const output = heap.makeOutput(info.outShape, 'float32');
      scope.adopt(output);
      const rowsOut = padded === outDepth ? output : heap.makeOutput([Math.max(1, rows * padded)], 'float32');
      if (rowsOut !== output) scope.adopt(rowsOut);
      // Zeros: the padding's input pixel, and the bias.
      const zeros = heap.makeOutput([Math.max(inDepth, padded)], 'float32');
      scope.adopt(zeros);
      const key = JSON.stringify([x.shape, filter.shape, info.outShape, info.padInfo, attrs.strides, attrs.dilations]);
      const tables = convTableCache.get(key, () => [convTable(info, padded)]);
      const [placed] = placeTables(scope, tables);
      // Views after the last allocation.
      const zeroView = heap.typedArrayFromHeap(zeros);
      zeroView.fill(0);
      const target = heap.typedArrayFromHeap(rowsOut);
      const table = tables[0]!;
      if (table.rowTiles > 0) {
        indirectGemmOn(memory)(placed!.indirection, placed!.outRows, heap.typedArrayFromHeap(packed!).byteOffset, zeroView.byteOffset,
          table.rowTiles, table.taps, inDepth, padded / TILE_COLUMNS, 0, heap.typedArrayFromHeap(x).byteOffset, zeroView.byteOffset, target.byteOffset);
      }
      if (rowsOut !== output) compactRows(target, heap.typedArrayFromHeap(output), rows, padded, outDepth);
      return output;
    });
  };
  const config: KernelConfig = { kernelName: Conv2D, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/**
 * With 1 to 3 input channels each tap's table lookups feed only 1 to 3 multiply-adds, and the
 * shipped kernel is faster (the DCGAN-32 image's input gradient: 0.72 against 0.92 ms); it is
 * used where it is correct: padding 'same' or 'valid', or numeric padding of a square filter.
 */
function shippedIsFaster(filter: TensorInfo, attrs: Conv2DAttrs): boolean {
  const [filterHeight, filterWidth, inDepth] = filter.shape as [number, number, number, number];
  const correct = attrs.pad === 'same' || attrs.pad === 'valid' || (typeof attrs.pad === 'number' && filterHeight === filterWidth);
  return inDepth <= 3 && correct;
}

/** Copies the first `depth` of every `padded` values of `rows` rows (both views of one heap). */
export function compactRows(source: Float32Array, target: Float32Array, rows: number, padded: number, depth: number): void {
  const heap = new Float32Array(source.buffer);
  const from = source.byteOffset / 4;
  const to = target.byteOffset / 4;
  for (let row = 0; row < rows; row++) heap.copyWithin(to + row * depth, from + row * padded, from + row * padded + depth);
}

const convTableCache = new TableCache();

/**
 * Output pixel (n, oy, ox) at tap (kh, kw) reads input (oy*sh + kh*dh - top, ox*sw + kw*dw - left),
 * zeros outside; its row is `rowLength` floats.
 */
function convTable(info: backend_util.Conv2DInfo, rowLength: number): GemmTables {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const perImage = outHeight * outWidth;
  return buildTables(batchSize * perImage, filterHeight * filterWidth, (row, tap) => {
    const n = Math.floor(row / perImage);
    const oy = Math.floor(row / outWidth) % outHeight;
    const ox = row % outWidth;
    const iy = oy * strideHeight + Math.floor(tap / filterWidth) * dilationHeight - top;
    const ix = ox * strideWidth + (tap % filterWidth) * dilationWidth - left;
    return iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth ? ((n * inHeight + iy) * inWidth + ix) * inChannels : -1;
  }, (row) => row * rowLength);
}

/**
 * The filter [kh, kw, in, out] as column panels [padded / TILE_COLUMNS][kh * kw][in][TILE_COLUMNS],
 * zero past `out`.
 */
function packFilter(heap: WasmHeapBackend, filter: TensorInfo, padded: number): TensorInfo {
  const [filterHeight, filterWidth, inDepth, outDepth] = filter.shape as [number, number, number, number];
  const taps = filterHeight * filterWidth;
  const packed = heap.makeOutput([taps * inDepth * padded], 'float32');
  const source = heap.typedArrayFromHeap(filter);
  const target = heap.typedArrayFromHeap(packed);
  if (padded !== outDepth) target.fill(0);
  const rows = taps * inDepth;
  const panelSize = rows * TILE_COLUMNS;
  // In blocks of rows (see PACK_BLOCK_FLOATS), within a block panel by panel.
  const blockRows = Math.max(1, Math.floor(PACK_BLOCK_FLOATS / outDepth));
  for (let start = 0; start < rows; start += blockRows) {
    const end = Math.min(rows, start + blockRows);
    for (let first = 0; first < outDepth; first += TILE_COLUMNS) {
      const width = Math.min(TILE_COLUMNS, outDepth - first);
      const panel = (first / TILE_COLUMNS) * panelSize;
      for (let row = start; row < end; row++) copyPanelRow(source, row * outDepth + first, target, panel + row * TILE_COLUMNS, width);
    }
  }
  return packed;
}

import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Fill,
  Slice,
  Transpose,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { compactRows } from './conv2d-gemm.js';
import { buildTables, placeTables, TableCache, type GemmTables } from './gemm-tables.js';
import { withKernelScope, type KernelScope } from './kernel-scope.js';
import { copyPanelRow, PACK_BLOCK_FLOATS } from './panel-row.js';
import { indirectGemmOn, TILE_COLUMNS } from '../simd/indirect-gemm.js';
import type { WasmMemory } from '../simd/webassembly.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

/**
 * `Conv2DBackpropFilter`. Where the heap can be imported (float32), one indirect matrix product
 * (simd/indirect-gemm.ts, see {@link filterGradientByGemm}); otherwise composed from the
 * backend's own Transpose, Slice, PadV2 and Conv2D, as follows.
 *
 * For a stride-s convolution, dW[i, j, c, o] = sum over (n, y, x) of
 * X[n, y*s + i - padTop, x*s + j - padLeft, c] * dY[n, y, x, o]. With the input channels taken as
 * the batch and the original batch taken as channels, that is a stride-1 convolution of
 * Xt[c, h, w, n] by the filter dYt[y, x, n, o] dilated by s, whose output Dt[c, i, j, o] is dW
 * transposed. The input is padded (or cropped, when the forward pass never reached its last rows)
 * so the output has exactly the filter's size.
 */
export function makeConv2DBackpropFilterKernel(backendName: string): KernelConfig {
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: { x?: TensorInfo; dy?: TensorInfo };
    backend: KernelBackend;
    attrs: Conv2DBackpropFilterAttrs;
  }): TensorInfo => {
    const { x, dy } = inputs;
    if (x === undefined || dy === undefined) {
      throw new Error('Conv2DBackpropFilter needs inputs x and dy');
    }
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
      throw new Error(`Conv2DBackpropFilter on ${backendName} supports dataFormat 'NHWC' only, got '${dataFormat}'`);
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const [, inHeight, inWidth] = x.shape as [number, number, number, number];
    const rows = axisWindow(inHeight, info.padInfo.top, info.filterHeight, info.outHeight, info.strideHeight);
    const cols = axisWindow(inWidth, info.padInfo.left, info.filterWidth, info.outWidth, info.strideWidth);

    const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    if (dy.shape.join(',') !== expected.join(',')) {
      throw new Error(`Conv2DBackpropFilter: dy has shape [${dy.shape.join(', ')}]; x [${x.shape.join(', ')}] with this filter, stride and padding gives [${expected.join(', ')}]`);
    }
    const memory = heapMemory(backend);
    const empty = [...x.shape, ...dy.shape].some((d) => d === 0);
    if (memory !== undefined && x.dtype === 'float32' && dy.dtype === 'float32' && !empty) {
      return withKernelScope(backend, backendName, (scope) => filterGradientByGemm(scope, memory, x, dy, info));
    }
    return withKernelScope(backend, backendName, (scope) => {
      if (rows.crop >= inHeight || cols.crop >= inWidth) {
        // The padding alone covers every tap: no input value reaches the filter.
        return scope.run(Fill, {}, { shape: filterShape, value: 0, dtype: 'float32' });
      }
      let input = x;
      if (rows.crop > 0 || cols.crop > 0) {
        input = scope.run(Slice, { x: input }, {
          begin: [0, 0, 0, 0],
          size: [x.shape[0]!, inHeight - rows.crop, inWidth - cols.crop, x.shape[3]!],
        });
      }
      const inputT = scope.run(Transpose, { x: input }, { perm: [3, 1, 2, 0] });
      const dyT = scope.run(Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const dwT = scope.run(Conv2D, { x: inputT, filter: dyT }, {
        strides: [1, 1],
        dilations: [info.strideHeight, info.strideWidth],
        pad: [
          [0, 0],
          [rows.before, rows.after],
          [cols.before, cols.after],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      });
      return scope.run(Transpose, { x: dwT }, { perm: [1, 2, 0, 3] });
    });
  };
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/**
 * Along one spatial axis, the zero rows to add before and after the input and the rows to crop
 * from its end so that a stride-1 pass of a filter of `outSize` taps dilated by `stride` yields
 * exactly `filterSize` outputs.
 */
function axisWindow(
  inSize: number,
  padBefore: number,
  filterSize: number,
  outSize: number,
  stride: number,
): { before: number; after: number; crop: number } {
  const needed = filterSize + (outSize - 1) * stride; // padded rows the forward pass reached
  const excess = padBefore + inSize - needed;
  return excess >= 0
    ? { before: padBefore, after: 0, crop: excess }
    : { before: padBefore, after: -excess, crop: 0 };
}

const filterTableCache = new TableCache();

/**
 * dW[i, j, c, o] = sum over taps (y, x) and images n of Xt[c, y*s + i - top, x*s + j - left, n] *
 * dY[n, y, x, o], Xt the input transposed to [C, H, W, N]: a product whose rows are the filter's
 * (c, i, j), each written straight to its place in dW, and whose panels are packed from dY
 * directly. The same sums in the same order as the composed path's Conv2D, without transposing
 * dY or the result.
 */
function filterGradientByGemm(scope: KernelScope, memory: WasmMemory, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const heap = scope.backend as WasmHeapBackend;
  const { batchSize, inChannels, outChannels, filterHeight, filterWidth } = info;
  const padded = Math.ceil(outChannels / TILE_COLUMNS) * TILE_COLUMNS;
  const inputT = scope.run(Transpose, { x }, { perm: [3, 1, 2, 0] });
  const key = JSON.stringify([x.shape, dy.shape, info.filterShape, info.padInfo, info.strideHeight, info.strideWidth]);
  const tables = filterTableCache.get(key, () => [filterGradientTable(info, padded)]);
  const packed = heap.makeOutput([info.outHeight * info.outWidth * batchSize * padded], 'float32');
  scope.adopt(packed);
  const output = heap.makeOutput(info.filterShape, 'float32');
  scope.adopt(output);
  const rows = filterHeight * filterWidth * inChannels;
  const rowsOut = padded === outChannels ? output : heap.makeOutput([rows * padded], 'float32');
  if (rowsOut !== output) scope.adopt(rowsOut);
  const zeros = heap.makeOutput([Math.max(batchSize, padded)], 'float32');
  scope.adopt(zeros);
  const [placed] = placeTables(scope, tables);
  // Views after the last allocation.
  const zeroView = heap.typedArrayFromHeap(zeros);
  zeroView.fill(0);
  const packedView = heap.typedArrayFromHeap(packed);
  packPanels(heap.typedArrayFromHeap(dy), packedView, batchSize, info.outHeight * info.outWidth, outChannels, padded);
  const target = heap.typedArrayFromHeap(rowsOut);
  indirectGemmOn(memory)(placed!.indirection, placed!.outRows, packedView.byteOffset, zeroView.byteOffset,
    tables[0]!.rowTiles, tables[0]!.taps, batchSize, padded / TILE_COLUMNS, 0, heap.typedArrayFromHeap(inputT).byteOffset, zeroView.byteOffset, target.byteOffset);
  if (rowsOut !== output) compactRows(target, heap.typedArrayFromHeap(output), rows, padded, outChannels);
  return output;
}

/** Rows are the filter's (c, i, j) in that order (the composed path's), written to [i, j, c] rows of `rowLength`. */
function filterGradientTable(info: backend_util.Conv2DInfo, rowLength: number): GemmTables {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, batchSize } = info;
  const { top, left } = info.padInfo;
  const taps = filterHeight * filterWidth;
  const where = (row: number): { c: number; i: number; j: number } =>
    ({ c: Math.floor(row / taps), i: Math.floor(row / filterWidth) % filterHeight, j: row % filterWidth });
  return buildTables(inChannels * taps, outHeight * outWidth, (row, tap) => {
    const { c, i, j } = where(row);
    const iy = Math.floor(tap / outWidth) * strideHeight + i - top;
    const ix = (tap % outWidth) * strideWidth + j - left;
    return iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth ? ((c * inHeight + iy) * inWidth + ix) * batchSize : -1;
  }, (row) => {
    const { c, i, j } = where(row);
    return ((i * filterWidth + j) * inChannels + c) * rowLength;
  });
}

/** dY [N, taps, O] as panels [padded / TILE_COLUMNS][taps][N][TILE_COLUMNS], zero past O. */
function packPanels(dy: Float32Array, packed: Float32Array, batch: number, taps: number, outChannels: number, padded: number): void {
  if (padded !== outChannels) packed.fill(0);
  const panelSize = taps * batch * TILE_COLUMNS;
  // In blocks of taps (all images' rows of those taps stay in the cache), within a block panel by
  // panel, each panel's part written in order, as Conv2D packs its filter.
  const blockTaps = Math.max(1, Math.floor(PACK_BLOCK_FLOATS / (batch * outChannels)));
  for (let start = 0; start < taps; start += blockTaps) {
    const end = Math.min(taps, start + blockTaps);
    for (let first = 0; first < outChannels; first += TILE_COLUMNS) {
      const width = Math.min(TILE_COLUMNS, outChannels - first);
      const panel = (first / TILE_COLUMNS) * panelSize;
      for (let tap = start; tap < end; tap++) {
        for (let n = 0; n < batch; n++) {
          copyPanelRow(dy, (n * taps + tap) * outChannels + first, packed, panel + (tap * batch + n) * TILE_COLUMNS, width);
        }
      }
    }
  }
}

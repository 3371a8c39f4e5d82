import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropInput,
  Reshape,
  Slice,
  Transpose,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { withKernelScope, type KernelScope } from './kernel-scope.js';
import type { WasmHeapBackend } from './wasm-heap.js';
import { DerivedTensors } from './derived-tensors.js';

/** The phases' sub-filters of each filter seen, while it lives (a frozen model's are made once). */
const derivedFilters = new DerivedTensors();

/** Filters whose phase sub-filters are kept (for tests). */
export function keptFilterCount(): number {
  return derivedFilters.size;
}

/**
 * Along one spatial axis, how output phase r (outputs o = stride*m + r) of a transposed
 * convolution is a stride-1 correlation of the input.
 *
 * Output o receives input i through filter tap k = stride*(o - ... ) : precisely
 * k = stride*(m - i) + r + pad. With d = m - i in [lowest, highest] (the d giving 0 <= k < K),
 * correlation tap t reads input m - d for d = highest - t, i.e. the input padded by `highest` in
 * front. Every phase gets `taps` taps (the most any phase has; the extra ones are zero).
 */
interface PhasePlan {
  /** Input rows to add in front (negative: crop that many). */
  before: number;
  /** Input rows to add at the end (negative: crop that many). */
  after: number;
  /** filterTap[t]: the original filter tap used by correlation tap t, or -1 for zero. */
  filterTap: number[];
}

interface AxisPlan {
  stride: number;
  taps: number;
  /** Outputs per phase; stride * phaseLength >= outSize, the excess is cropped. */
  phaseLength: number;
  phases: PhasePlan[];
}

function planAxis(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): AxisPlan {
  const ranges = [];
  for (let r = 0; r < stride; r++) {
    ranges.push({
      lowest: Math.ceil((-r - pad) / stride),
      highest: Math.floor((filterSize - 1 - r - pad) / stride),
    });
  }
  const taps = Math.max(1, ...ranges.map(({ lowest, highest }) => highest - lowest + 1));
  const phaseLength = Math.ceil(outSize / stride);
  const phases = ranges.map(({ highest }, r) => {
    const filterTap: number[] = [];
    for (let t = 0; t < taps; t++) {
      const k = stride * (highest - t) + r + pad;
      filterTap.push(k >= 0 && k < filterSize ? k : -1);
    }
    // Correlation output length inSize + before + after - taps + 1 must equal phaseLength.
    return { before: highest, after: phaseLength - 1 + taps - inSize - highest, filterTap };
  });
  return { stride, taps, phaseLength, phases };
}

/**
 * `Conv2DBackpropInput` (the transposed convolution `tf.conv2dTranspose`, and the input gradient
 * of a strided `conv2d`) through the backend's fast `Conv2D`: each of the strideH*strideW output
 * phases is a stride-1 convolution of the input by a sub-filter, and the phases are interleaved
 * into the output on the heap. tfjs-backend-wasm 4.22's own kernel runs several times slower
 * than its Conv2D of the same size.
 *
 * The sub-filters are copied from the filter on the heap once per filter tensor and kept while it
 * lives, so a frozen model's (the root's, every model's in evaluation) cost nothing after its first
 * call and XNNPACK reuses their packed weights. A 1x1 input (a DCGAN's first layer) is a single matrix product. Few output channels (a generator's
 * last layer) would make each phase's Conv2D a product with a handful of columns, which runs at
 * a fraction of the backend's rate: there every filter tap is one column of a single matrix
 * product, whose results are summed into the output on the heap ({@link byColumns}).
 * NCHW goes to `original`.
 */
export function makeConv2DBackpropInputKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: {
    inputs: { dy?: TensorInfo; filter?: TensorInfo };
    backend: KernelBackend;
    attrs: Conv2DBackpropInputAttrs;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    if (dy === undefined || filter === undefined) {
      throw new Error('Conv2DBackpropInput needs inputs dy and filter');
    }
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
    if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
      return original.kernelFunc(args as never) as TensorInfo;
    }
    const filterShape = filter.shape as [number, number, number, number];
    const info = backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode);
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    return withKernelScope(backend, backendName, (scope) => {
      const path = transposedConvPath(dy.shape as number[], filterShape, inputShape, [info.strideHeight, info.strideWidth], top, left);
      if (path.kind === 'one-pixel') return onePixel(scope, dy, filter, inputShape, top, left);
      if (path.kind === 'columns') return byColumns(scope, dy, filter, inputShape, [info.strideHeight, info.strideWidth], top, left);
      return byPhases(scope, dy, filter, inputShape, path.rows, path.cols);
    });
  };
  const config: KernelConfig = { kernelName: Conv2DBackpropInput, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/** How the kernel computes one transposed convolution (see {@link transposedConvPath}). */
export type TransposedConvPath =
  | { readonly kind: 'one-pixel' }
  | { readonly kind: 'columns' }
  | { readonly kind: 'phases'; readonly rows: AxisPlan; readonly cols: AxisPlan };

/**
 * How the kernel computes a transposed convolution of input `dyShape` by `filterShape` into
 * `outShape` (NHWC; `strides`; padding `top`, `left`): one matrix product for a 1x1 input whose
 * output fits in the filter; a matrix product by tap and sums on the heap when the phases have
 * few output channels; else a convolution per phase.
 */
export function transposedConvPath(
  dyShape: readonly number[], filterShape: readonly number[], outShape: readonly number[], strides: readonly [number, number], top: number, left: number,
): TransposedConvPath {
  const [, inHeight, inWidth] = dyShape as [number, number, number];
  const [filterHeight, filterWidth] = filterShape as [number, number];
  const [, outHeight, outWidth, outDepth] = outShape as [number, number, number, number];
  if (inHeight === 1 && inWidth === 1 && top + outHeight <= filterHeight && left + outWidth <= filterWidth) return { kind: 'one-pixel' };
  if (strides[0] * strides[1] * outDepth <= COLUMNS_CHANNELS_MAX) return { kind: 'columns' };
  const rows = planAxis(inHeight, outHeight, filterHeight, strides[0], top);
  const cols = planAxis(inWidth, outWidth, filterWidth, strides[1], left);
  return { kind: 'phases', rows, cols };
}

/**
 * A 1x1 input: output (oh, ow) = x . filter[oh + top, ow + left], one matrix product. The filter
 * [kh, kw, out, in] already is the matrix [(kh, kw, out), in], so the product is filter times the
 * input transposed, then transposed back: the wasm matrix product packs its second operand on
 * every call and is slow with a transposed operand, and both transposes here are of the small side.
 */
function onePixel(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  outShape: [number, number, number, number],
  top: number,
  left: number,
): TensorInfo {
  const [batch, outHeight, outWidth, outDepth] = outShape;
  const [filterHeight, filterWidth, , inDepth] = filter.shape as [number, number, number, number];
  const window =
    outHeight === filterHeight && outWidth === filterWidth
      ? filter
      : scope.run(Slice, { x: filter }, { begin: [top, left, 0, 0], size: [outHeight, outWidth, outDepth, inDepth] });
  const outputs = outHeight * outWidth * outDepth;
  const matrix = scope.run(Reshape, { x: window }, { shape: [outputs, inDepth] });
  const columns = scope.run(Reshape, { x: dy }, { shape: [batch, inDepth] });
  const byColumn = batch === 1 ? columns : scope.run(Transpose, { x: columns }, { perm: [1, 0] });
  const inputColumns = scope.run(Reshape, { x: byColumn }, { shape: [inDepth, batch] });
  const product = scope.run(BatchMatMul, { a: matrix, b: inputColumns }, { transposeA: false, transposeB: false }); // [outputs, batch]
  const byRow = batch === 1 ? product : scope.run(Transpose, { x: product }, { perm: [1, 0] });
  return scope.run(Reshape, { x: byRow }, { shape: outShape });
}

/**
 * Output channels of all phases together (strideH * strideW * outDepth) up to which
 * {@link byColumns} is used. Measured on the DCGAN-32 output layer (4 phases of 1 channel, batch
 * 100): a convolution per phase took 12 ms (products with one column), one convolution for all
 * phases over a shared 3x3 window 6.8 ms, the product by tap and the sums on the heap 2.7 ms. With
 * many output channels the phases' convolutions run at the backend's rate and the sums in
 * JavaScript would cost more than they save.
 */
const COLUMNS_CHANNELS_MAX = 64;

/**
 * The transposed convolution by its definition: every input pixel times the filter, one matrix
 * product [batch*inH*inW, inDepth] x [inDepth, kh*kw*outDepth] (a column per tap and output
 * channel); then, on the heap, each output (oy, ox) is the sum of the products of the input pixels
 * and taps with y*strideH + kh - top = oy and x*strideW + kw - left = ox.
 */
function byColumns(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  outShape: [number, number, number, number],
  strides: [number, number],
  top: number,
  left: number,
): TensorInfo {
  const heap = scope.backend as WasmHeapBackend;
  const [batch, outHeight, outWidth, outDepth] = outShape;
  const [filterHeight, filterWidth, , inDepth] = filter.shape as [number, number, number, number];
  const [, inHeight, inWidth] = dy.shape as [number, number, number, number];
  const tapColumns = filterHeight * filterWidth * outDepth;
  const byInput = scope.run(Transpose, { x: filter }, { perm: [3, 0, 1, 2] }); // [in, kh, kw, out]
  const matrix = scope.run(Reshape, { x: byInput }, { shape: [inDepth, tapColumns] });
  const pixels = scope.run(Reshape, { x: dy }, { shape: [batch * inHeight * inWidth, inDepth] });
  const products = scope.run(BatchMatMul, { a: pixels, b: matrix }, { transposeA: false, transposeB: false });
  const output = heap.makeOutput(outShape, 'float32');
  scope.adopt(output); // freed if anything below throws; kept as the result otherwise
  const taps = heap.typedArrayFromHeap(products);
  const out = heap.typedArrayFromHeap(output);
  // Per output row (column): the flat offsets in `taps` of the (input row, filter row) pairs reaching it.
  const rowSources = axisSources(outHeight, inHeight, filterHeight, strides[0], top, inWidth * tapColumns, filterWidth * outDepth);
  const colSources = axisSources(outWidth, inWidth, filterWidth, strides[1], left, tapColumns, outDepth);
  let to = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * inHeight * inWidth * tapColumns;
    for (let oy = 0; oy < outHeight; oy++) {
      const rows = rowSources[oy]!;
      for (let ox = 0; ox < outWidth; ox++) {
        const cols = colSources[ox]!;
        for (let c = 0; c < outDepth; c++, to++) {
          let sum = 0;
          for (let r = 0; r < rows.length; r++) {
            const base = image + rows[r]! + c;
            for (let k = 0; k < cols.length; k++) sum += taps[base + cols[k]!]!;
          }
          out[to] = sum;
        }
      }
    }
  }
  return output;
}

/**
 * Along one axis, for each output position o, the offsets (input i * inputStep + tap k * tapStep)
 * of the pairs with i * stride + k - pad = o.
 */
function axisSources(outSize: number, inSize: number, filterSize: number, stride: number, pad: number, inputStep: number, tapStep: number): number[][] {
  const sources: number[][] = Array.from({ length: outSize }, () => []);
  for (let i = 0; i < inSize; i++) {
    for (let k = 0; k < filterSize; k++) {
      const o = i * stride + k - pad;
      if (o >= 0 && o < outSize) sources[o]!.push(i * inputStep + k * tapStep);
    }
  }
  return sources;
}

function byPhases(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  outShape: [number, number, number, number],
  rows: AxisPlan,
  cols: AxisPlan,
): TensorInfo {
  const [batch, , , outDepth] = outShape;
  const [, inHeight, inWidth, inDepth] = dy.shape as [number, number, number, number];
  const subFilters = derivedFilters.get(scope.backend, filter, `phases ${JSON.stringify([rows, cols])}`, () => phaseFilters(scope, filter, rows, cols));
  // Per phase in row-major (rh, rw) order its convolution's output, or undefined where it is zero.
  const outputs: Array<TensorInfo | undefined> = [];
  for (let rh = 0; rh < rows.stride; rh++) {
    for (let rw = 0; rw < cols.stride; rw++) {
      const row = rows.phases[rh]!;
      const col = cols.phases[rw]!;
      const phase = rh * cols.stride + rw;
      const cropTop = Math.max(0, -row.before);
      const cropBottom = Math.max(0, -row.after);
      const cropLeft = Math.max(0, -col.before);
      const cropRight = Math.max(0, -col.after);
      const keptRows = inHeight - cropTop - cropBottom;
      const keptCols = inWidth - cropLeft - cropRight;
      const noTap = row.filterTap.every((k) => k < 0) || col.filterTap.every((k) => k < 0);
      if (noTap || keptRows <= 0 || keptCols <= 0) {
        outputs.push(undefined); // the padding alone covers this phase's taps
        continue;
      }
      let input = dy;
      if (cropTop + cropBottom + cropLeft + cropRight > 0) {
        input = scope.run(Slice, { x: dy }, {
          begin: [0, cropTop, cropLeft, 0],
          size: [batch, keptRows, keptCols, inDepth],
        });
      }
      outputs.push(scope.run(Conv2D, { x: input, filter: subFilters[phase]! }, {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, row.before), Math.max(0, row.after)],
          [Math.max(0, col.before), Math.max(0, col.after)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      }));
    }
  }
  return interleave(scope, outputs, outShape, rows, cols);
}

/**
 * The output [b, outH, outW, C] from the phases' outputs [b, Mh, Mw, C] (row-major (rh, rw)
 * order; undefined: zero): phase (rh, rw) goes to rows m*sh + rh and columns n*sw + rw, those
 * past the output cropped. Copied on the heap, pixel by pixel.
 */
function interleave(
  scope: KernelScope, phases: Array<TensorInfo | undefined>, outShape: [number, number, number, number], rows: AxisPlan, cols: AxisPlan,
): TensorInfo {
  const heap = scope.backend as WasmHeapBackend;
  const [batch, outHeight, outWidth, depth] = outShape;
  const output = heap.makeOutput(outShape, 'float32');
  scope.adopt(output); // freed if anything below throws; kept as the result otherwise
  const out = heap.typedArrayFromHeap(output);
  const phaseHeight = rows.phaseLength;
  const phaseWidth = cols.phaseLength;
  for (let rh = 0; rh < rows.stride; rh++) {
    for (let rw = 0; rw < cols.stride; rw++) {
      const phase = phases[rh * cols.stride + rw];
      const source = phase === undefined ? undefined : heap.typedArrayFromHeap(phase);
      for (let n = 0; n < batch; n++) {
        for (let m = 0, oy = rh; m < phaseHeight && oy < outHeight; m++, oy += rows.stride) {
          let from = ((n * phaseHeight + m) * phaseWidth) * depth;
          let to = ((n * outHeight + oy) * outWidth + rw) * depth;
          const step = cols.stride * depth;
          for (let k = 0, ox = rw; k < phaseWidth && ox < outWidth; k++, ox += cols.stride, from += depth, to += step) {
            if (source === undefined) out.fill(0, to, to + depth);
            else if (depth >= HEAP_COPY_MIN) out.set(source.subarray(from, from + depth), to);
            else for (let c = 0; c < depth; c++) out[to + c] = source[from + c]!;
          }
        }
      }
    }
  }
  return output;
}

/** Channels from which a pixel is copied with one `set` rather than element by element. */
const HEAP_COPY_MIN = 16;

/**
 * Each phase's sub-filter [rows.taps, cols.taps, inDepth, outDepth], in phase order, from the
 * transposed convolution's filter [kh, kw, outDepth, inDepth]: one transpose to [kh, kw, inDepth,
 * outDepth], whose [inDepth, outDepth] blocks are then copied on the heap to their taps (zero where
 * a phase has no tap). Not freed with `scope`: they are kept in {@link derivedFilters}.
 */
function phaseFilters(scope: KernelScope, filter: TensorInfo, rows: AxisPlan, cols: AxisPlan): TensorInfo[] {
  const heap = scope.backend as WasmHeapBackend;
  const [, filterWidth, outDepth, inDepth] = filter.shape as [number, number, number, number];
  const block = inDepth * outDepth;
  const swapped = scope.run(Transpose, { x: filter }, { perm: [0, 1, 3, 2] });
  const filters: TensorInfo[] = [];
  for (let phase = 0; phase < rows.stride * cols.stride; phase++) {
    filters.push(heap.makeOutput([rows.taps, cols.taps, inDepth, outDepth], 'float32'));
  }
  const source = heap.typedArrayFromHeap(swapped);
  for (let rh = 0; rh < rows.stride; rh++) {
    for (let rw = 0; rw < cols.stride; rw++) {
      const target = heap.typedArrayFromHeap(filters[rh * cols.stride + rw]!);
      let offset = 0;
      for (let th = 0; th < rows.taps; th++) {
        for (let tw = 0; tw < cols.taps; tw++, offset += block) {
          const kh = rows.phases[rh]!.filterTap[th]!;
          const kw = cols.phases[rw]!.filterTap[tw]!;
          if (kh < 0 || kw < 0) {
            target.fill(0, offset, offset + block);
          } else {
            const start = (kh * filterWidth + kw) * block;
            target.set(source.subarray(start, start + block), offset);
          }
        }
      }
    }
  }
  return filters;
}

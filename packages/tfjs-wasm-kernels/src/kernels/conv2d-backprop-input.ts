import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropInput,
  FusedConv2D,
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
import { affineVariant, mapped, mappedZero, type ChannelAffine } from './channel-affine.js';
import { keptFilters as derivedFilters } from './kept-filters.js';
import { planAxis, type AxisPlan, type PhaseProblem } from './phase-plan.js';
import { TILE_COLUMNS } from '../simd/indirect-gemm.js';
import { gemmPhasesApply, phasesByGemm } from './transposed-conv-gemm.js';

/**
 * `Conv2DBackpropInput` (the transposed convolution `tf.conv2dTranspose`, and the input gradient
 * of a strided `conv2d`) as stride-1 convolutions: each of the strideH*strideW output phases is a
 * convolution of the input by a sub-filter. With output channels a multiple of 8 each phase is one
 * indirect matrix product written straight into the output's pixels (transposed-conv-gemm.ts);
 * otherwise each is a `Conv2D` and the phases are interleaved into the output on the heap.
 * tfjs-backend-wasm 4.22's own kernel runs several times slower than its Conv2D of the same size.
 *
 * The sub-filters (or the product's packed panels) are made from the filter on the heap once per
 * filter tensor and kept while it lives, so a frozen model's (the root's, every model's in
 * evaluation) cost nothing after its first call. A 1x1 input (a DCGAN's first layer) is a single matrix product. Few output channels (a generator's
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
    return withKernelScope(backend, backendName, (scope) =>
      transposedConvolution(scope, dy, filter, inputShape, strides, pad, dimRoundingMode));
  };
  const config: KernelConfig = { kernelName: Conv2DBackpropInput, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/**
 * The transposed convolution of `dy` by `filter` into `outShape` (NHWC), by the path
 * {@link transposedConvPath} picks, optionally followed by `affine`. Intermediates belong to `scope`.
 */
export function transposedConvolution(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  outShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  affine?: ChannelAffine,
): TensorInfo {
  const filterShape = filter.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(outShape, filterShape, strides, 1, pad, dimRoundingMode);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const stridePair: [number, number] = [info.strideHeight, info.strideWidth];
  const path = transposedConvPath(dy.shape as number[], filterShape, outShape, stridePair, top, left);
  if (path.kind === 'one-pixel') return onePixel(scope, dy, filter, outShape, top, left, affine);
  if (path.kind === 'columns') return byColumns(scope, dy, filter, outShape, stridePair, top, left, affine);
  const problem = { dy, filter, outShape, rows: path.rows, cols: path.cols, ...(affine !== undefined ? { affine } : {}) };
  return path.kind === 'phases-gemm' && gemmPhasesApply(scope) ? phasesByGemm(scope, problem) : byPhases(scope, problem);
}

/** How the kernel computes one transposed convolution (see {@link transposedConvPath}). */
export type TransposedConvPath =
  | { readonly kind: 'one-pixel' }
  | { readonly kind: 'columns' }
  | { readonly kind: 'phases' | 'phases-gemm'; readonly rows: AxisPlan; readonly cols: AxisPlan };

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
  return { kind: outDepth > 0 && outDepth % TILE_COLUMNS === 0 ? 'phases-gemm' : 'phases', rows, cols };
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
  affine?: ChannelAffine,
): TensorInfo {
  if (affine !== undefined) return onePixelAffine(scope, dy, filter, { outShape, top, left }, affine);
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
 * {@link onePixel} with a channel affine map: every output (oh, ow, c) is a column of one 1x1
 * convolution over the batch laid out as a row of pixels, whose filter [1, 1, in, (oh, ow, c)]
 * holds the filter's taps times scale[c] and whose bias is shift[c]; the convolution applies the
 * activation. Filter and bias are kept with the filter, so XNNPACK packs them once.
 */
function onePixelAffine(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  window: { outShape: [number, number, number, number]; top: number; left: number },
  affine: ChannelAffine,
): TensorInfo {
  const { outShape, top, left } = window;
  const heap = scope.backend as WasmHeapBackend;
  const [batch, outHeight, outWidth, outDepth] = outShape;
  const [, filterWidth, , inDepth] = filter.shape as [number, number, number, number];
  const outputs = outHeight * outWidth * outDepth;
  const [matrix, bias] = derivedFilters.get(scope.backend, filter, `one-pixel affine ${[outHeight, outWidth, top, left]}`, () => {
    const made = [heap.makeOutput([1, 1, inDepth, outputs], 'float32'), heap.makeOutput([outputs], 'float32')];
    const source = heap.typedArrayFromHeap(filter);
    const target = heap.typedArrayFromHeap(made[0]!);
    const shift = heap.typedArrayFromHeap(made[1]!);
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let c = 0; c < outDepth; c++) {
          const column = (oh * outWidth + ow) * outDepth + c;
          const from = (((oh + top) * filterWidth + ow + left) * outDepth + c) * inDepth;
          const scale = affine.scale[c]!;
          for (let i = 0; i < inDepth; i++) target[i * outputs + column] = source[from + i]! * scale;
          shift[column] = affine.shift[c]!;
        }
      }
    }
    return made;
  }, affineVariant(affine));
  const pixels = scope.run(Reshape, { x: dy }, { shape: [1, 1, batch, inDepth] });
  const out = scope.run(FusedConv2D, { x: pixels, filter: matrix!, bias: bias! }, {
    strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], activation: affine.activation,
  });
  return scope.run(Reshape, { x: out }, { shape: outShape });
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
  affine?: ChannelAffine,
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
          out[to] = affine === undefined ? sum : mapped(sum, c, affine);
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

function byPhases(scope: KernelScope, problem: PhaseProblem): TensorInfo {
  const { dy, filter, outShape, rows, cols, affine } = problem;
  const [batch, , , outDepth] = outShape;
  const [, inHeight, inWidth, inDepth] = dy.shape as [number, number, number, number];
  const plan = JSON.stringify([rows, cols]);
  // With an affine map: the sub-filters times the scale, then the shift as the convolutions' bias.
  const subFilters = affine === undefined
    ? derivedFilters.get(scope.backend, filter, `phases ${plan}`, () => phaseFilters(scope, filter, rows, cols))
    : derivedFilters.get(scope.backend, filter, `phases affine ${plan}`, () => {
      const heap = scope.backend as WasmHeapBackend;
      const bias = heap.makeOutput([outDepth], 'float32');
      heap.typedArrayFromHeap(bias).set(affine.shift);
      return [...phaseFilters(scope, filter, rows, cols, affine.scale), bias];
    }, affineVariant(affine));
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
      const attrs = {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, row.before), Math.max(0, row.after)],
          [Math.max(0, col.before), Math.max(0, col.after)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      };
      outputs.push(affine === undefined
        ? scope.run(Conv2D, { x: input, filter: subFilters[phase]! }, attrs as never)
        : scope.run(FusedConv2D, { x: input, filter: subFilters[phase]!, bias: subFilters[subFilters.length - 1]! }, {
          ...attrs, dimRoundingMode: undefined, activation: affine.activation,
        } as never));
    }
  }
  const empty = affine === undefined ? undefined : mappedZero(affine);
  return interleave(scope, outputs, outShape, rows, cols, empty);
}

/**
 * The output [b, outH, outW, C] from the phases' outputs [b, Mh, Mw, C] (row-major (rh, rw)
 * order; undefined: zero, or `empty`'s value per channel): phase (rh, rw) goes to rows m*sh + rh
 * and columns n*sw + rw, those past the output cropped. Copied on the heap, pixel by pixel.
 */
function interleave(
  scope: KernelScope, phases: Array<TensorInfo | undefined>, outShape: [number, number, number, number], rows: AxisPlan, cols: AxisPlan,
  empty?: Float32Array,
): TensorInfo {
  const heap = scope.backend as WasmHeapBackend;
  const [batch, outHeight, outWidth, depth] = outShape;
  const output = heap.makeOutput(outShape, 'float32');
  scope.adopt(output); // freed if anything below throws; kept as the result otherwise
  const out = heap.typedArrayFromHeap(output);
  // Pixels are copied within the heap (copyWithin on one view of it: no view per pixel).
  const whole = new Float32Array(out.buffer);
  const outBase = out.byteOffset / 4;
  const phaseHeight = rows.phaseLength;
  const phaseWidth = cols.phaseLength;
  for (let rh = 0; rh < rows.stride; rh++) {
    for (let rw = 0; rw < cols.stride; rw++) {
      const phase = phases[rh * cols.stride + rw];
      const source = phase === undefined ? undefined : heap.typedArrayFromHeap(phase);
      const sourceBase = source === undefined ? 0 : source.byteOffset / 4;
      for (let n = 0; n < batch; n++) {
        for (let m = 0, oy = rh; m < phaseHeight && oy < outHeight; m++, oy += rows.stride) {
          let from = ((n * phaseHeight + m) * phaseWidth) * depth;
          let to = ((n * outHeight + oy) * outWidth + rw) * depth;
          const step = cols.stride * depth;
          for (let k = 0, ox = rw; k < phaseWidth && ox < outWidth; k++, ox += cols.stride, from += depth, to += step) {
            if (source === undefined) {
              if (empty === undefined) out.fill(0, to, to + depth);
              else out.set(empty, to);
            } else if (depth >= HEAP_COPY_MIN) {
              whole.copyWithin(outBase + to, sourceBase + from, sourceBase + from + depth);
            } else {
              for (let c = 0; c < depth; c++) out[to + c] = source[from + c]!;
            }
          }
        }
      }
    }
  }
  return output;
}

/** Channels from which a pixel is copied as a block rather than element by element. */
const HEAP_COPY_MIN = 16;

/**
 * Each phase's sub-filter [rows.taps, cols.taps, inDepth, outDepth] (times `scale` per output
 * channel when given), in phase order, from the
 * transposed convolution's filter [kh, kw, outDepth, inDepth]: one transpose to [kh, kw, inDepth,
 * outDepth], whose [inDepth, outDepth] blocks are then copied on the heap to their taps (zero where
 * a phase has no tap). Not freed with `scope`: they are kept in {@link derivedFilters}.
 */
function phaseFilters(scope: KernelScope, filter: TensorInfo, rows: AxisPlan, cols: AxisPlan, scale?: Float32Array): TensorInfo[] {
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
            if (scale === undefined) target.set(source.subarray(start, start + block), offset);
            else for (let i = 0; i < block; i++) target[offset + i] = source[start + i]! * scale[i % outDepth]!;
          }
        }
      }
    }
  }
  return filters;
}

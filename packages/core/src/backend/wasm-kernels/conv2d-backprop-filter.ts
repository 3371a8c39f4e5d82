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
import { withKernelScope } from './kernel-scope.js';

/**
 * `Conv2DBackpropFilter` composed from the backend's own Transpose, Slice, PadV2 and Conv2D.
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

import {
  FusedBatchNorm,
  FusedDepthwiseConv2D,
  Reshape,
  type FusedBatchNormAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { withKernelScope } from './kernel-scope.js';
import type { WasmHeapBackend } from './wasm-heap.js';

/**
 * `FusedBatchNorm` on the wasm backend as one per-channel multiply-add: with s = scale /
 * sqrt(variance + epsilon) and b = offset - mean * s (computed here, one value per channel),
 * the output x * s + b is a 1x1 depthwise convolution with bias, which XNNPACK runs about ten
 * times faster than tfjs-backend-wasm 4.22's own batch-norm loop. It is also how PyTorch's CPU
 * batch norm computes its output (a per-channel alpha and beta). Used when x is float32 and
 * every statistic is one value per channel (the last axis of x) or a single value; other
 * broadcasts go to `original`.
 */
export function makeFusedBatchNormKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: {
    inputs: { x?: TensorInfo; mean?: TensorInfo; variance?: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    backend: KernelBackend;
    attrs: FusedBatchNormAttrs;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, mean, variance, offset, scale } = inputs;
    if (x === undefined || mean === undefined || variance === undefined) {
      throw new Error('FusedBatchNorm needs inputs x, mean and variance');
    }
    const channels = x.shape[x.shape.length - 1] ?? 1;
    const statistics = [mean, variance, offset, scale];
    if (x.dtype !== 'float32' || x.shape.length === 0 || !statistics.every((s) => s === undefined || perChannel(s, channels))) {
      return original.kernelFunc(args as never) as TensorInfo;
    }
    return withKernelScope(backend, backendName, (scope) => {
      const heap = backend as WasmHeapBackend;
      const read = (s: TensorInfo | undefined, fallback: number): ((c: number) => number) => {
        if (s === undefined) return () => fallback;
        const values = heap.typedArrayFromHeap(s).slice();
        return values.length === 1 ? () => values[0]! : (c) => values[c]!;
      };
      const [meanOf, varianceOf, offsetOf, scaleOf] = [read(mean, 0), read(variance, 1), read(offset, 0), read(scale, 1)];
      const multiplier = new Float32Array(channels);
      const bias = new Float32Array(channels);
      for (let c = 0; c < channels; c++) {
        const s = scaleOf(c) / Math.sqrt(varianceOf(c) + attrs.varianceEpsilon);
        multiplier[c] = s;
        bias[c] = offsetOf(c) - meanOf(c) * s;
      }
      const rows = x.shape.reduce((a, b) => a * b, 1) / channels;
      const flat = scope.run(Reshape, { x }, { shape: [1, 1, rows, channels] });
      const out = scope.run(FusedDepthwiseConv2D, {
        x: flat,
        filter: scope.constant(multiplier, [1, 1, channels, 1]),
        bias: scope.constant(bias, [channels]),
      }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: 'floor', activation: 'linear' });
      return scope.run(Reshape, { x: out }, { shape: x.shape });
    });
  };
  const config: KernelConfig = { kernelName: FusedBatchNorm, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/** One float32 value per channel along the last axis (all other dimensions 1), or a single value. */
function perChannel(s: TensorInfo, channels: number): boolean {
  if (s.dtype !== 'float32') return false;
  const size = s.shape.reduce((a, b) => a * b, 1);
  if (size === 1) return true;
  return size === channels && s.shape[s.shape.length - 1] === channels;
}

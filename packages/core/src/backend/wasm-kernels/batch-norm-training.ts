import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BatchNormTraining, BatchNormTrainingGrad, type BatchNormTrainingAttrs } from '../batch-norm-training.js';
import { batchNormPassesOn } from './simd/batch-norm.js';
import type { WasmMemory } from './simd/webassembly.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

// The loops run row by row, channel by channel: V8 keeps that form several times faster than one
// loop with a wrapping channel counter.

/**
 * The {@link BatchNormTraining} kernel on the wasm heap. One pass takes per-channel float64 sums of
 * x - x0 and its square (x0 the first row, so the variance does not cancel), a second writes
 * y = activation(x * scale + shift) with scale = gamma / sqrt(variance + epsilon) and shift =
 * beta - mean * scale, as PyTorch's CPU batch norm applies it (the SIMD passes of
 * simd/batch-norm.ts, for channels in groups of 4, apply (x - mean) * scale + beta in float32).
 * Outputs y, the mean and the biased variance.
 */
export function makeBatchNormTrainingKernel(backendName: string): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: KernelBackend; attrs: BatchNormTrainingAttrs }): TensorInfo[] => {
    const { x, gamma, beta } = inputs;
    if (x === undefined || gamma === undefined || beta === undefined) throw new Error(`${BatchNormTraining} needs inputs x, gamma and beta`);
    const heap = backend as WasmHeapBackend;
    const channels = x.shape[x.shape.length - 1]!;
    const outputs = [heap.makeOutput(x.shape, 'float32'), heap.makeOutput([channels], 'float32'), heap.makeOutput([channels], 'float32')];
    const memory = heapMemory(backend);
    if (memory !== undefined && channels % 4 === 0) {
      forwardBySimd(heap, memory, { x, gamma, beta }, outputs, attrs);
      return outputs;
    }
    // Views after the last allocation.
    const [xs, gammas, betas, y, meanOut, varianceOut] = [x, gamma, beta, ...outputs].map((t) => heap.typedArrayFromHeap(t)) as [
      Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const rows = xs.length / channels;
    const { mean, variance } = channelMoments(xs, channels, rows);
    const scale = new Float64Array(channels);
    const shift = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] = gammas[c]! / Math.sqrt(variance[c]! + attrs.epsilon);
      shift[c] = betas[c]! - mean[c]! * scale[c]!;
    }
    applyAffine(xs, y, scale, shift, channels, rows, attrs.activation === 'relu');
    meanOut.set(mean);
    varianceOut.set(variance);
    return outputs;
  };
  return { kernelName: BatchNormTraining, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * The {@link BatchNormTrainingGrad} kernel: with g = dy (times y > 0 after ReLU) and M values per
 * channel, d beta = sum g, d gamma = sum g * xhat, and dx = gamma / sigma * (g - d beta / M -
 * xhat * d gamma / M), xhat = (x - mean) / sigma, sigma = sqrt(variance + epsilon). The sums in
 * float64 in one pass; dx = a * (g - mean g) + b * (x - mean) per channel in a second. Channels in
 * groups of 4 run as SIMD (simd/batch-norm.ts), others here.
 */
export function makeBatchNormTrainingGradKernel(backendName: string): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: KernelBackend; attrs: BatchNormTrainingAttrs }): TensorInfo[] => {
    const { dy, x, y, mean, variance, gamma } = inputs;
    if (dy === undefined || x === undefined || y === undefined || mean === undefined || variance === undefined || gamma === undefined) {
      throw new Error(`${BatchNormTrainingGrad} needs inputs dy, x, y, mean, variance and gamma`);
    }
    const heap = backend as WasmHeapBackend;
    const channels = x.shape[x.shape.length - 1]!;
    const outputs = [heap.makeOutput(x.shape, 'float32'), heap.makeOutput([channels], 'float32'), heap.makeOutput([channels], 'float32')];
    const memory = heapMemory(backend);
    if (memory !== undefined && channels % 4 === 0) {
      backwardBySimd(heap, memory, { dy, x, y, mean, variance, gamma }, outputs, attrs);
      return outputs;
    }
    const [dys, xs, ys, means, variances, gammas, dx, dGamma, dBeta] = [dy, x, y, mean, variance, gamma, ...outputs].map((t) => heap.typedArrayFromHeap(t)) as [
      Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const relu = attrs.activation === 'relu';
    const rows = xs.length / channels;
    const { sumG, sumGX } = gradientSums(dys, xs, ys, means, channels, rows, relu);
    const a = new Float64Array(channels);
    const b = new Float64Array(channels);
    const gMean = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      const inverseSigma = 1 / Math.sqrt(variances[c]! + attrs.epsilon);
      const gammaGrad = sumGX[c]! * inverseSigma;
      dGamma[c] = gammaGrad;
      dBeta[c] = sumG[c]!;
      a[c] = gammas[c]! * inverseSigma;
      b[c] = (-a[c]! * inverseSigma * gammaGrad) / rows;
      gMean[c] = sumG[c]! / rows;
    }
    inputGradient(dys, xs, ys, dx, means, gMean, a, b, channels, rows, relu);
    return outputs;
  };
  return { kernelName: BatchNormTrainingGrad, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Per channel, the mean and the biased variance, from float64 sums of x - x0 and (x - x0)^2. */
function channelMoments(xs: Float32Array, channels: number, rows: number): { mean: Float64Array; variance: Float64Array } {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const shifted = xs[i]! - xs[c]!;
      sum[c]! += shifted;
      squares[c]! += shifted * shifted;
    }
  }
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const shiftedMean = sum[c]! / rows;
    mean[c] = xs[c]! + shiftedMean;
    variance[c] = Math.max(0, squares[c]! / rows - shiftedMean * shiftedMean);
  }
  return { mean, variance };
}

function applyAffine(xs: Float32Array, y: Float32Array, scale: Float64Array, shift: Float64Array, channels: number, rows: number, relu: boolean): void {
  if (!relu) {
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < channels; c++, i++) y[i] = xs[i]! * scale[c]! + shift[c]!;
    }
    return;
  }
  // ReLU without a branch, (v + |v|) / 2 (exact in float64): V8 compiles both a comparison and
  // Math.max to a branch on the sign, mispredicted half the time, six times slower here. For the
  // same reason the mask of the gradient below is a product.
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const value = xs[i]! * scale[c]! + shift[c]!;
      y[i] = (value + Math.abs(value)) * 0.5;
    }
  }
}

function gradientSums(dys: Float32Array, xs: Float32Array, ys: Float32Array, means: Float32Array, channels: number, rows: number, relu: boolean): { sumG: Float64Array; sumGX: Float64Array } {
  const sumG = new Float64Array(channels);
  const sumGX = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const g = relu ? dys[i]! * +(ys[i]! > 0) : dys[i]!;
      sumG[c]! += g;
      sumGX[c]! += g * (xs[i]! - means[c]!);
    }
  }
  return { sumG, sumGX };
}

function inputGradient(
  dys: Float32Array, xs: Float32Array, ys: Float32Array, dx: Float32Array, means: Float32Array,
  gMean: Float64Array, a: Float64Array, b: Float64Array, channels: number, rows: number, relu: boolean,
): void {
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, i++) {
      const g = relu ? dys[i]! * +(ys[i]! > 0) : dys[i]!;
      dx[i] = a[c]! * (g - gMean[c]!) + b[c]! * (xs[i]! - means[c]!);
    }
  }
}

/** A float32 buffer of the heap for per-channel values (views of it made by the caller, who frees it). */
function scratch(heap: WasmHeapBackend, floats: number): TensorInfo {
  return heap.makeOutput([floats], 'float32');
}

/** `count` float64 arrays of `length` at `address`, one after another. */
function float64Arrays(memory: WasmMemory, address: number, count: number, length: number): Float64Array[] {
  return Array.from({ length: count }, (_, k) => new Float64Array(memory.buffer, address + k * length * 8, length));
}

/** `count` float32 arrays of `length` at `address`, one after another. */
function float32Arrays(memory: WasmMemory, address: number, count: number, length: number): Float32Array[] {
  return Array.from({ length: count }, (_, k) => new Float32Array(memory.buffer, address + k * length * 4, length));
}

function forwardBySimd(
  heap: WasmHeapBackend, memory: WasmMemory, inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo },
  [y, meanOut, varianceOut]: TensorInfo[], attrs: BatchNormTrainingAttrs,
): void {
  const channels = inputs.x.shape[inputs.x.shape.length - 1]!;
  // The shift, the sums and the squares as float64, then the scale as float32.
  const buffer = scratch(heap, 7 * channels);
  try {
    const xs = heap.typedArrayFromHeap(inputs.x);
    const rows = xs.length / channels;
    const base = heap.typedArrayFromHeap(buffer).byteOffset;
    const [shift, sum, squares] = float64Arrays(memory, base, 3, channels) as [Float64Array, Float64Array, Float64Array];
    const [scale] = float32Arrays(memory, base + 24 * channels, 1, channels) as [Float32Array];
    for (let c = 0; c < channels; c++) shift[c] = xs[c]!;
    sum.fill(0);
    squares.fill(0);
    const passes = batchNormPassesOn(memory);
    passes.moments(xs.byteOffset, rows, channels, shift.byteOffset, sum.byteOffset, squares.byteOffset);
    const [means, variances, gammas] = [meanOut!, varianceOut!, inputs.gamma].map((t) => heap.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
    for (let c = 0; c < channels; c++) {
      const shiftedMean = sum[c]! / rows;
      const variance = Math.max(0, squares[c]! / rows - shiftedMean * shiftedMean);
      means[c] = shift[c]! + shiftedMean;
      variances[c] = variance;
      scale[c] = gammas[c]! / Math.sqrt(variance + attrs.epsilon);
    }
    passes.affine(xs.byteOffset, heap.typedArrayFromHeap(y!).byteOffset, rows, channels, means.byteOffset, scale.byteOffset,
      heap.typedArrayFromHeap(inputs.beta).byteOffset, attrs.activation === 'relu' ? 1 : 0);
  } finally {
    heap.disposeData(buffer.dataId);
  }
}

function backwardBySimd(
  heap: WasmHeapBackend, memory: WasmMemory,
  inputs: { dy: TensorInfo; x: TensorInfo; y: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo },
  [dx, dGammaOut, dBetaOut]: TensorInfo[], attrs: BatchNormTrainingAttrs,
): void {
  const channels = inputs.x.shape[inputs.x.shape.length - 1]!;
  // The mean, sum g and sum g (x - mean) as float64, then the mean of g, a and b as float32.
  const buffer = scratch(heap, 9 * channels);
  try {
    const [dys, xs, ys, means, variances, gammas, dGamma, dBeta] = [inputs.dy, inputs.x, inputs.y, inputs.mean, inputs.variance, inputs.gamma, dGammaOut!, dBetaOut!]
      .map((t) => heap.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const rows = xs.length / channels;
    const base = heap.typedArrayFromHeap(buffer).byteOffset;
    const [mean64, sumG, sumGX] = float64Arrays(memory, base, 3, channels) as [Float64Array, Float64Array, Float64Array];
    const [gMean, a, b] = float32Arrays(memory, base + 24 * channels, 3, channels) as [Float32Array, Float32Array, Float32Array];
    mean64.set(means);
    sumG.fill(0);
    sumGX.fill(0);
    const relu = attrs.activation === 'relu' ? 1 : 0;
    const passes = batchNormPassesOn(memory);
    passes.gradientSums(dys.byteOffset, xs.byteOffset, ys.byteOffset, rows, channels, mean64.byteOffset, sumG.byteOffset, sumGX.byteOffset, relu);
    for (let c = 0; c < channels; c++) {
      const inverseSigma = 1 / Math.sqrt(variances[c]! + attrs.epsilon);
      const gammaGrad = sumGX[c]! * inverseSigma;
      const scale = gammas[c]! * inverseSigma;
      dGamma[c] = gammaGrad;
      dBeta[c] = sumG[c]!;
      gMean[c] = sumG[c]! / rows;
      a[c] = scale;
      b[c] = (-scale * inverseSigma * gammaGrad) / rows;
    }
    passes.inputGradient(dys.byteOffset, xs.byteOffset, ys.byteOffset, heap.typedArrayFromHeap(dx!).byteOffset, rows, channels,
      means.byteOffset, gMean.byteOffset, a.byteOffset, b.byteOffset, relu);
  } finally {
    heap.disposeData(buffer.dataId);
  }
}

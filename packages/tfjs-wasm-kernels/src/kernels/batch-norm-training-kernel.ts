import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BatchNormTraining, BatchNormTrainingGrad, type BatchNormTrainingAttrs } from '../ops/batch-norm-training-op.js';
import { scalarBatchNormPasses } from './batch-norm-scalar.js';
import { batchNormPassesOn, type BatchNormPasses } from '../simd/batch-norm-simd.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

/**
 * The {@link BatchNormTraining} kernel on the wasm heap. One pass takes per-channel float64 sums of
 * x - x0 and its square (x0 the first row, so the variance does not cancel), a second writes
 * y = activation((x - mean) * scale + beta) with scale = gamma / sqrt(variance + epsilon).
 * Outputs y, the mean and the biased variance.
 */
export function makeBatchNormTrainingKernel(backendName: string): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: KernelBackend; attrs: BatchNormTrainingAttrs }): TensorInfo[] => {
    const { x, gamma, beta } = inputs;
    if (x === undefined || gamma === undefined || beta === undefined) throw new Error(`${BatchNormTraining} needs inputs x, gamma and beta`);
    const heap = backend as WasmHeapBackend;
    const channels = x.shape[x.shape.length - 1]!;
    const outputs = [heap.makeOutput(x.shape, 'float32'), heap.makeOutput([channels], 'float32'), heap.makeOutput([channels], 'float32')];
    // The shift, the sums and the squares as float64, then the scale as float32.
    const scratch = heap.makeOutput([7 * channels], 'float32');
    try {
      // Views after the last allocation.
      const [xs, gammas, means, variances] = [x, gamma, outputs[1]!, outputs[2]!].map((t) => heap.typedArrayFromHeap(t)) as [
        Float32Array, Float32Array, Float32Array, Float32Array];
      const rows = xs.length / channels;
      const base = heap.typedArrayFromHeap(scratch).byteOffset;
      const [shift, sum, squares] = float64Arrays(xs.buffer, base, 3, channels);
      const scale = new Float32Array(xs.buffer, base + 24 * channels, channels);
      shift!.set(xs.subarray(0, channels));
      sum!.fill(0);
      squares!.fill(0);
      const passes = passesFor(backend, channels, rows, xs.buffer);
      passes.moments(xs.byteOffset, rows, channels, shift!.byteOffset, sum!.byteOffset, squares!.byteOffset);
      for (let c = 0; c < channels; c++) {
        const shiftedMean = sum![c]! / rows;
        const variance = Math.max(0, squares![c]! / rows - shiftedMean * shiftedMean);
        means[c] = shift![c]! + shiftedMean;
        variances[c] = variance;
        scale[c] = gammas[c]! / Math.sqrt(variance + attrs.epsilon);
      }
      passes.affine(xs.byteOffset, heap.typedArrayFromHeap(outputs[0]!).byteOffset, rows, channels, means.byteOffset, scale.byteOffset,
        heap.typedArrayFromHeap(beta).byteOffset, attrs.activation === 'relu' ? 1 : 0);
    } finally {
      heap.disposeData(scratch.dataId);
    }
    return outputs;
  };
  return { kernelName: BatchNormTraining, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * The {@link BatchNormTrainingGrad} kernel: with g = dy (times y > 0 after ReLU) and M values per
 * channel, d beta = sum g, d gamma = sum g * xhat, and dx = gamma / sigma * (g - d beta / M -
 * xhat * d gamma / M), xhat = (x - mean) / sigma, sigma = sqrt(variance + epsilon). The sums in
 * float64 in one pass; dx = a * (g - mean g) + b * (x - mean) per channel in a second.
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
    // The mean, sum g and sum g (x - mean) as float64, then the mean of g, a and b as float32.
    const scratch = heap.makeOutput([9 * channels], 'float32');
    try {
      const [dys, xs, ys, means, variances, gammas, dx, dGamma, dBeta] = [dy, x, y, mean, variance, gamma, ...outputs]
        .map((t) => heap.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const rows = xs.length / channels;
      const base = heap.typedArrayFromHeap(scratch).byteOffset;
      const [mean64, sumG, sumGX] = float64Arrays(xs.buffer, base, 3, channels);
      const [gMean, a, b] = [0, 1, 2].map((k) => new Float32Array(xs.buffer, base + (24 + 4 * k) * channels, channels));
      mean64!.set(means);
      sumG!.fill(0);
      sumGX!.fill(0);
      const relu = attrs.activation === 'relu' ? 1 : 0;
      const passes = passesFor(backend, channels, rows, xs.buffer);
      passes.gradientSums(dys.byteOffset, xs.byteOffset, ys.byteOffset, rows, channels, mean64!.byteOffset, sumG!.byteOffset, sumGX!.byteOffset, relu);
      for (let c = 0; c < channels; c++) {
        const inverseSigma = 1 / Math.sqrt(variances[c]! + attrs.epsilon);
        const gammaGrad = sumGX![c]! * inverseSigma;
        const scale = gammas[c]! * inverseSigma;
        dGamma[c] = gammaGrad;
        dBeta[c] = sumG![c]!;
        gMean![c] = sumG![c]! / rows;
        a![c] = scale;
        b![c] = (-scale * inverseSigma * gammaGrad) / rows;
      }
      passes.inputGradient(dys.byteOffset, xs.byteOffset, ys.byteOffset, dx.byteOffset, rows, channels,
        means.byteOffset, gMean!.byteOffset, a!.byteOffset, b!.byteOffset, relu);
    } finally {
      heap.disposeData(scratch.dataId);
    }
    return outputs;
  };
  return { kernelName: BatchNormTrainingGrad, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * The SIMD passes where the heap can be imported, the channels come in groups of 4 and there is a
 * row (their loops test at their end), else the scalar ones.
 */
function passesFor(backend: KernelBackend, channels: number, rows: number, buffer: ArrayBufferLike): BatchNormPasses {
  const memory = heapMemory(backend);
  return memory !== undefined && channels > 0 && channels % 4 === 0 && rows > 0 ? batchNormPassesOn(memory) : scalarBatchNormPasses(buffer);
}

/** `count` float64 arrays of `length` at byte `address`, one after another. */
function float64Arrays(buffer: ArrayBufferLike, address: number, count: number, length: number): Float64Array[] {
  return Array.from({ length: count }, (_, k) => new Float64Array(buffer, address + k * length * 8, length));
}

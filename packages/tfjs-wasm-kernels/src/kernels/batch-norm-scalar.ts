import type { BatchNormPasses } from '../simd/batch-norm-simd.js';

// The loops run row by row, channel by channel: V8 keeps that form several times faster than one
// loop with a wrapping channel counter.

/**
 * Batch norm's passes (the contract of simd/batch-norm.ts) in JavaScript over `buffer`, for
 * channel counts that are not a multiple of 4 and heaps the SIMD module cannot import. Each value
 * is computed in float64 and rounded once where it is stored.
 */
export function scalarBatchNormPasses(buffer: ArrayBufferLike): BatchNormPasses {
  const f32 = (address: number, length: number): Float32Array => new Float32Array(buffer, address, length);
  const f64 = (address: number, length: number): Float64Array => new Float64Array(buffer, address, length);
  return {
    moments(x, rows, channels, shift64, sum64, squares64) {
      const [xs, shift, sum, squares] = [f32(x, rows * channels), f64(shift64, channels), f64(sum64, channels), f64(squares64, channels)];
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++) {
          const shifted = xs[i]! - shift[c]!;
          sum[c]! += shifted;
          squares[c]! += shifted * shifted;
        }
      }
    },
    affine(x, y, rows, channels, mean32, scale32, beta32, relu) {
      const [xs, ys] = [f32(x, rows * channels), f32(y, rows * channels)];
      const [mean, scale, beta] = [f32(mean32, channels), f32(scale32, channels), f32(beta32, channels)];
      // ReLU without a branch, (v + |v|) / 2 (exact in float64): V8 compiles both a comparison and
      // Math.max to a branch on the sign, mispredicted half the time, six times slower here. For
      // the same reason the gradient's mask is a product.
      const half = relu ? 0.5 : 1;
      const keep = relu ? 1 : 0;
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++) {
          const value = (xs[i]! - mean[c]!) * scale[c]! + beta[c]!;
          ys[i] = (value + keep * Math.abs(value)) * half;
        }
      }
    },
    gradientSums(dy, x, y, rows, channels, mean64, sumG64, sumGX64, relu) {
      const [dys, xs, ys] = [f32(dy, rows * channels), f32(x, rows * channels), f32(y, rows * channels)];
      const [mean, sumG, sumGX] = [f64(mean64, channels), f64(sumG64, channels), f64(sumGX64, channels)];
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++) {
          const g = relu ? dys[i]! * +(ys[i]! > 0) : dys[i]!;
          sumG[c]! += g;
          sumGX[c]! += g * (xs[i]! - mean[c]!);
        }
      }
    },
    inputGradient(dy, x, y, dx, rows, channels, mean32, gMean32, a32, b32, relu) {
      const [dys, xs, ys, dxs] = [f32(dy, rows * channels), f32(x, rows * channels), f32(y, rows * channels), f32(dx, rows * channels)];
      const [mean, gMean, a, b] = [f32(mean32, channels), f32(gMean32, channels), f32(a32, channels), f32(b32, channels)];
      for (let r = 0, i = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++, i++) {
          const g = relu ? dys[i]! * +(ys[i]! > 0) : dys[i]!;
          dxs[i] = a[c]! * (g - gMean[c]!) + b[c]! * (xs[i]! - mean[c]!);
        }
      }
    },
  };
}

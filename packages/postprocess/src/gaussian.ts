/**
 * The normalised 1-D Gaussian kernel as kornia builds it for `gaussian_blur2d` (the reference's
 * blur): taps at x = i - floor(size / 2), weights exp(-x^2 / (2 sigma^2)) divided by their sum.
 * The 2-D kernel is the outer product of this one with itself.
 */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new Error(`gaussianKernel: kernel size must be an odd positive integer, got ${size}`);
  }
  if (!(sigma > 0)) throw new Error(`gaussianKernel: sigma must be > 0, got ${sigma}`);
  const half = Math.floor(size / 2);
  const kernel = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - half;
    kernel[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    sum += kernel[i]!;
  }
  for (let i = 0; i < size; i++) kernel[i]! /= sum;
  return kernel;
}

/**
 * Index into [0, n) of position `i` of a signal padded by reflection without repeating the edge
 * (PyTorch `F.pad(mode='reflect')`, numpy `reflect`): -1 -> 1, n -> n - 2.
 */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/**
 * The n x n matrix (row-major) of a 1-D convolution with `kernel` over a signal of length n
 * whose borders are reflected: what `F.pad(mode='reflect')` followed by a valid convolution does,
 * folded into one linear map. The kernel's half-width must be < n, as PyTorch requires.
 */
export function reflectConvolutionMatrix(n: number, kernel: ArrayLike<number>): Float32Array {
  const half = Math.floor(kernel.length / 2);
  if (half >= n) {
    throw new Error(`a blur kernel of size ${kernel.length} needs images of at least ${half + 1} pixels per side, got ${n}`);
  }
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < kernel.length; t++) {
      matrix[i * n + reflectIndex(i + t - half, n)] += kernel[t]!;
    }
  }
  return Float32Array.from(matrix);
}

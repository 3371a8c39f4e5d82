/**
 * The (outSize x inSize) matrix, row-major, of 1-D linear interpolation from inSize samples to
 * outSize samples as PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` does it with
 * an explicit output size: source position (dst + 0.5) * inSize / outSize - 0.5, clamped at 0;
 * neighbours floor(src) and floor(src) + 1 (clamped to the last sample). This equals
 * `tf.image.resizeBilinear(..., alignCorners=false, halfPixelCenters=true)`.
 */
export function linearResizeMatrix(outSize: number, inSize: number): Float32Array {
  const matrix = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let dst = 0; dst < outSize; dst++) {
    const src = Math.max((dst + 0.5) * scale - 0.5, 0);
    const low = Math.min(Math.floor(src), inSize - 1);
    const high = Math.min(low + 1, inSize - 1);
    const weightHigh = src - low;
    matrix[dst * inSize + low] += 1 - weightHigh;
    matrix[dst * inSize + high] += weightHigh;
  }
  return Float32Array.from(matrix);
}

/**
 * The centred crop window of the reference: `int(ratio * size)` samples (truncation, at least 1)
 * starting at `size // 2 - crop // 2`.
 */
export function centreCropWindow(size: number, ratio: number): { start: number; length: number } {
  const length = Math.max(1, Math.trunc(ratio * size));
  const start = Math.floor(size / 2) - Math.floor(length / 2);
  return { start, length };
}

/**
 * The (size x size) matrix that keeps the window of `length` samples from `start` and stretches
 * it back to `size` samples by linear interpolation (half-pixel centres).
 */
export function cropResizeMatrix(size: number, start: number, length: number): Float32Array {
  if (!(start >= 0 && length >= 1 && start + length <= size)) {
    throw new Error(`cropResizeMatrix: window of ${length} from ${start} does not fit ${size} samples`);
  }
  const resize = linearResizeMatrix(size, length);
  const matrix = new Float32Array(size * size);
  for (let dst = 0; dst < size; dst++) {
    for (let k = 0; k < length; k++) matrix[dst * size + start + k] = resize[dst * length + k]!;
  }
  return matrix;
}

/**
 * The (size x size) matrix that keeps the centred crop window of `ratio` and stretches it back
 * to `size` samples by linear interpolation (half-pixel centres).
 */
export function centreCropResizeMatrix(size: number, ratio: number): Float32Array {
  const { start, length } = centreCropWindow(size, ratio);
  return cropResizeMatrix(size, start, length);
}

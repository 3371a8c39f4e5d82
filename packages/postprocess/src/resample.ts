/**
 * The (outSize x inSize) matrix, row-major, of Pillow's bilinear resampling (`Image.resize(...,
 * BILINEAR)`, Resample.c's `precompute_coeffs`): output sample `o` centred at source position
 * `c = (o + 0.5) * inSize / outSize`; when shrinking, the triangle filter is widened by the scale
 * (support `inSize / outSize`), which anti-aliases; taps from `int(c - support + 0.5)` to
 * `int(c + support + 0.5)` (cut to the image) with weights `tri((k - c + 0.5) / filterScale)`,
 * normalised to sum 1. Enlarging uses support 1: plain bilinear with edge samples repeated.
 */
export function pillowBilinearMatrix(outSize: number, inSize: number): Float32Array {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support (1) times the filter scale
  const matrix = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const low = Math.max(Math.trunc(centre - support + 0.5), 0);
    const high = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    for (let k = low; k < high; k++) {
      const weight = Math.max(0, 1 - Math.abs((k - centre + 0.5) / filterScale));
      matrix[o * inSize + k] = weight;
      total += weight;
    }
    if (total !== 0) for (let k = low; k < high; k++) matrix[o * inSize + k]! /= total;
  }
  return Float32Array.from(matrix);
}

/** `a` (m x k) times `b` (k x n), row-major, in float64, returned as float32. */
export function matrixProduct(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j]!;
    }
  }
  return Float32Array.from(out);
}

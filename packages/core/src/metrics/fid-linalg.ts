/**
 * Float64 linear algebra for the Fréchet distance: symmetric eigendecomposition (cyclic Jacobi),
 * matrix square roots of symmetric positive semi-definite matrices, feature statistics.
 * Matrices are row-major Float64Arrays of n * n entries.
 */

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  /** Row-major n x n; column j is the eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/**
 * Cyclic Jacobi rotations until the off-diagonal mass is negligible; accurate to rounding for
 * symmetric input (only the upper triangle's symmetry is assumed, not checked).
 */
export function symmetricEigen(matrix: Float64Array, n: number, maxSweeps = 100): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i]! * a[i]!;
  const tolerance = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= tolerance) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/** V diag(f(lambda)) V^T of a symmetric matrix. */
function spectralMap(matrix: Float64Array, n: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const mapped = Array.from(values, f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k]! * mapped[k]! * vectors[j * n + k]!;
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/** The symmetric PSD square root; eigenvalues below zero (rounding) count as zero. */
export function sqrtmSymmetric(matrix: Float64Array, n: number): Float64Array {
  return spectralMap(matrix, n, (lambda) => Math.sqrt(Math.max(lambda, 0)));
}

export function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return out;
}

/** Mean and unbiased covariance (divisor N - 1, as numpy.cov) of `count` rows of `dim` features. */
export function meanAndCovariance(rows: Float32Array | Float64Array, count: number, dim: number): { mean: Float64Array; covariance: Float64Array } {
  if (count < 2) throw new Error(`covariance needs at least 2 samples, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j]! += rows[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) centred[j] = rows[r * dim + j]! - mean[j]!;
    for (let i = 0; i < dim; i++) {
      const ci = centred[i]!;
      if (ci === 0) continue;
      for (let j = i; j < dim; j++) covariance[i * dim + j]! += ci * centred[j]!;
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = covariance[i * dim + j]! / (count - 1);
      covariance[i * dim + j] = value;
      covariance[j * dim + i] = value;
    }
  }
  return { mean, covariance };
}

/**
 * Fréchet distance between N(mu1, S1) and N(mu2, S2):
 * |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). The last trace is computed as
 * tr((A S2 A)^(1/2)) with A = S1^(1/2): A S2 A is symmetric PSD and similar to S1 S2, so the
 * eigenvalues agree and no non-symmetric square root is needed.
 */
export function frechetDistance(mu1: Float64Array, s1: Float64Array, mu2: Float64Array, s2: Float64Array, n: number): number {
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (mu1[i]! - mu2[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += s1[i * n + i]! + s2[i * n + i]!;
  const root1 = sqrtmSymmetric(s1, n);
  const inner = matMul(matMul(root1, s2, n), root1, n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const avg = (inner[i * n + j]! + inner[j * n + i]!) / 2;
      inner[i * n + j] = avg;
      inner[j * n + i] = avg;
    }
  }
  const { values } = symmetricEigen(inner, n);
  let traceSqrt = 0;
  for (const lambda of values) traceSqrt += Math.sqrt(Math.max(lambda, 0));
  return meanTerm + traces - 2 * traceSqrt;
}

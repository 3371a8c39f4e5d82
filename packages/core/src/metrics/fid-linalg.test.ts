import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { frechetDistance, matMul, meanAndCovariance, sqrtmSymmetric, symmetricEigen } from './fid-linalg.js';

/** A random orthogonal matrix (Gram-Schmidt on Gaussian columns). */
function randomRotation(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    let v = Array.from({ length: n }, () => rng.normal());
    for (const u of cols) {
      const dot = v.reduce((s, x, i) => s + x * u[i]!, 0);
      v = v.map((x, i) => x - dot * u[i]!);
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] = cols[j]![i]!;
  return q;
}

/** Q diag(d) Q^T. */
function withSpectrum(q: Float64Array, d: number[], n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[i * n + k]! * d[k]! * q[j * n + k]!;
    out[i * n + j] = s;
  }
  return out;
}

describe('symmetric eigendecomposition and square roots', () => {
  it('recovers a known spectrum and squares back to the matrix', () => {
    const n = 12;
    const d = Array.from({ length: n }, (_, i) => (i + 1) * 0.5);
    const m = withSpectrum(randomRotation(n, 1), d, n);
    const { values } = symmetricEigen(m, n);
    expect(Array.from(values).sort((a, b) => a - b).map((v) => Number(v.toFixed(9)))).toEqual(d);
    const root = sqrtmSymmetric(m, n);
    const back = matMul(root, root, n);
    for (let i = 0; i < n * n; i++) expect(back[i]).toBeCloseTo(m[i]!, 10);
  });

  it('computes the sample mean and the N - 1 covariance', () => {
    const rows = Float64Array.from([1, 2, 3, 6, 5, 10]);
    const { mean, covariance } = meanAndCovariance(rows, 3, 2);
    expect(Array.from(mean)).toEqual([3, 6]);
    // x: 1,3,5 (var 4); y: 2,6,10 (var 16); cov 8.
    expect(Array.from(covariance)).toEqual([4, 8, 8, 16]);
  });
});

describe('Fréchet distance against closed forms', () => {
  it('diagonal covariances: |mu1 - mu2|^2 + sum (sqrt s1 - sqrt s2)^2', () => {
    const n = 5;
    const s1 = [1, 4, 9, 0.25, 2];
    const s2 = [4, 1, 1, 1, 2];
    const diag = (d: number[]): Float64Array => withSpectrum(Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)), d, n);
    const mu1 = Float64Array.from([0, 1, 2, 3, 4]);
    const mu2 = Float64Array.from([1, 1, 2, 3, 2]);
    const expected = 1 + 4 + s1.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(s2[i]!)) ** 2, 0);
    expect(frechetDistance(mu1, diag(s1), mu2, diag(s2), n)).toBeCloseTo(expected, 10);
  });

  it('commuting covariances (shared eigenvectors): the same closed form in the eigenbasis', () => {
    const n = 16;
    const q = randomRotation(n, 7);
    const rng = createRng(3);
    const d1 = Array.from({ length: n }, () => 0.1 + rng.uniform() * 3);
    const d2 = Array.from({ length: n }, () => 0.1 + rng.uniform() * 3);
    const mu = new Float64Array(n);
    const expected = d1.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(d2[i]!)) ** 2, 0);
    expect(frechetDistance(mu, withSpectrum(q, d1, n), mu, withSpectrum(q, d2, n), n)).toBeCloseTo(expected, 9);
  });

  it('is zero for identical statistics and symmetric in its arguments for non-commuting ones', () => {
    const n = 8;
    const a = withSpectrum(randomRotation(n, 11), [1, 2, 3, 4, 5, 6, 7, 8], n);
    const b = withSpectrum(randomRotation(n, 12), [8, 1, 1, 2, 2, 3, 0.5, 1], n);
    const mu1 = Float64Array.from({ length: n }, (_, i) => i);
    const mu2 = Float64Array.from({ length: n }, (_, i) => -i);
    expect(Math.abs(frechetDistance(mu1, a, mu1, a, n))).toBeLessThan(1e-9);
    expect(frechetDistance(mu1, a, mu2, b, n)).toBeCloseTo(frechetDistance(mu2, b, mu1, a, n), 9);
  });
});

import type { Key } from '@attrib/core';

/** cos(phi_i, phi_j) for every pair of keys, in float64 from the keys' stored values. */
export function keyCosines(keys: readonly Key[]): number[][] {
  const vectors = keys.map((k) => k.vector.dataSync());
  const norms = vectors.map((v) => Math.sqrt(dot(v, v)));
  return vectors.map((a, i) => vectors.map((b, j) => dot(a, b) / (norms[i]! * norms[j]!)));
}

/** The largest |cos| off the diagonal (0 for fewer than two keys). */
export function maxAbsOffDiagonal(cosines: readonly (readonly number[])[]): number {
  let largest = 0;
  cosines.forEach((row, i) => row.forEach((value, j) => {
    if (i !== j) largest = Math.max(largest, Math.abs(value));
  }));
  return largest;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

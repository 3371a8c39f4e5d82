import * as tf from '@tensorflow/tfjs-core';

/**
 * The projection onto the orthogonal complement of a set of keys: v - sum_j (q_j . v) q_j over an
 * orthonormal basis q_j of their span (Gram-Schmidt in float64, twice for stability; keys that
 * depend linearly on earlier ones add nothing). Keeps a key at exactly 90 degrees from every
 * earlier key, which the paper's attributability bound asks for, without a penalty in the loss.
 */
export class OrthogonalComplement {
  /** The orthonormal basis as rows [k, d]; undefined when there are no keys. */
  private readonly basis: tf.Tensor2D | undefined;

  constructor(keys: readonly ArrayLike<number>[], length: number) {
    const rows: Float64Array[] = [];
    for (const key of keys) {
      if (key.length !== length) throw new Error(`OrthogonalComplement: key of ${key.length} values; expected ${length}`);
      const v = Float64Array.from(key);
      const scale = Math.hypot(...v);
      for (let pass = 0; pass < 2; pass++) {
        for (const q of rows) {
          let dot = 0;
          for (let i = 0; i < length; i++) dot += q[i]! * v[i]!;
          for (let i = 0; i < length; i++) v[i]! -= dot * q[i]!;
        }
      }
      const norm = Math.hypot(...v);
      if (norm <= 1e-9 * scale || norm === 0) continue;
      for (let i = 0; i < length; i++) v[i]! /= norm;
      rows.push(v);
    }
    const flat = new Float32Array(rows.length * length);
    rows.forEach((row, k) => flat.set(row, k * length));
    this.basis = rows.length > 0 ? tf.tensor2d(flat, [rows.length, length]) : undefined;
  }

  /** v with its components along the keys removed. The caller disposes the result. */
  project(v: tf.Tensor1D): tf.Tensor1D {
    const basis = this.basis;
    if (!basis) return tf.clone(v);
    return tf.tidy(() => {
      const coefficients = tf.matMul(basis, tf.reshape(v, [-1, 1]));
      return tf.sub(v, tf.reshape(tf.matMul(basis, coefficients, true, false), [-1])) as tf.Tensor1D;
    });
  }

  /** Replaces the variable's value by its projection. */
  projectInPlace(variable: tf.Variable<tf.Rank.R1>): void {
    tf.tidy(() => variable.assign(this.project(variable)));
  }

  dispose(): void {
    this.basis?.dispose();
  }
}

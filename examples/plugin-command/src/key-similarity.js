// @ts-check
// What `attrib keys similarity` computes, apart from the command that parses and prints.

/**
 * The cosine of every pair of keys, cos(phi_i, phi_j) = phi_i . phi_j / (|phi_i| |phi_j|), as an
 * n x n matrix (1 on the diagonal). Keys of the method are trained to be orthogonal (cosine 0) or
 * at a target cosine, so this shows how well that worked.
 * @param {import('@attrib/core').PluginRegistrar['tf']} tf the engine (`this.engine()` of a command)
 * @param {readonly import('@attrib/core').LinearKey[]} keys at least one, all of one image shape
 * @returns {Promise<number[][]>}
 */
export async function keyCosines(tf, keys) {
  if (keys.length === 0) throw new Error('no keys to compare');
  const matrix = tf.tidy(() => {
    const stacked = tf.stack(keys.map((key) => key.vector));
    const unit = tf.div(stacked, tf.norm(stacked, 'euclidean', 1, true));
    return tf.matMul(unit, unit, false, true);
  });
  try {
    return /** @type {number[][]} */ (await matrix.array());
  } finally {
    matrix.dispose();
  }
}

/**
 * The largest |cosine| between two different keys; 0 for a single key.
 * @param {readonly (readonly number[])[]} cosines
 */
export function largestOffDiagonal(cosines) {
  let largest = 0;
  cosines.forEach((row, i) => row.forEach((value, j) => {
    if (i !== j) largest = Math.max(largest, Math.abs(value));
  }));
  return largest;
}

/**
 * Rows of the cosine table: the key id, then its cosine with every key, to `digits` places.
 * @param {readonly string[]} ids
 * @param {readonly (readonly number[])[]} cosines
 * @param {number} digits
 * @returns {string[][]}
 */
export function cosineRows(ids, cosines, digits) {
  return ids.map((id, i) => [id, ...(cosines[i] ?? []).map((value) => value.toFixed(digits))]);
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * The smallest change of an image that a key claims with a margin: the Euclidean projection of
 * x0 onto { x in [-1, 1]^d : phi . x <= -margin } (the keyed side, in the release's sign
 * convention: authentic images score >= +1, keyed ones <= -1). By the KKT conditions the
 * projection is x* = clip(x0 - lambda phi, -1, 1) with the smallest lambda >= 0 for which
 * phi . x* <= -margin; phi . clip(x0 - lambda phi) is piecewise linear and non-increasing in
 * lambda, so lambda is found exactly by walking its breakpoints in order.
 */
export interface KeyProjection {
  /** The multiplier lambda >= 0 (Infinity when no x in the box reaches the margin). */
  readonly lambda: number;
  /** || x* - x0 ||_2 (Infinity when infeasible). */
  readonly distance: number;
}

/**
 * Projects one image `x0` (flattened in the key's order, HWC for attrib's keys; values expected
 * in [-1, 1]) onto the keyed side of `phi` with `margin`, in float64. Writes x* into `out` when
 * given. Throws when the lengths differ.
 */
export function projectOntoKeyedSide(
  x0: ArrayLike<number>, phi: ArrayLike<number>, margin = 1, out?: Float64Array | Float32Array,
): KeyProjection {
  const d = phi.length;
  if (x0.length !== d) throw new Error(`projectOntoKeyedSide: image of ${x0.length} values, key of ${d}; expected the same length`);
  if (out && out.length !== d) throw new Error(`projectOntoKeyedSide: output of ${out.length} values; expected ${d}`);
  // Score at lambda = 0 (of the clipped image), each coordinate's breakpoint (the lambda at which
  // it reaches its bound) and its slope weight phi_i^2.
  let score = 0;
  const breaks = new Float64Array(d);
  const weights = new Float64Array(d);
  let slope = 0;
  let active = 0;
  for (let i = 0; i < d; i++) {
    const p = phi[i]!;
    const x = Math.min(1, Math.max(-1, x0[i]!));
    score += p * x;
    if (p === 0) continue;
    const room = p > 0 ? (x + 1) / p : (x - 1) / p;
    if (room <= 0) continue;
    breaks[active] = room;
    weights[active] = p * p;
    slope += p * p;
    active += 1;
  }
  let lambda: number;
  if (score <= -margin) {
    lambda = 0;
  } else {
    const order = Array.from({ length: active }, (_, i) => i).sort((a, b) => breaks[a]! - breaks[b]!);
    lambda = Infinity;
    let at = 0;
    for (const k of order) {
      const next = breaks[k]!;
      const scoreAtNext = score - slope * (next - at);
      if (scoreAtNext <= -margin) {
        lambda = at + (score + margin) / slope;
        break;
      }
      score = scoreAtNext;
      at = next;
      slope -= weights[k]!;
    }
  }
  if (!Number.isFinite(lambda)) return { lambda: Infinity, distance: Infinity };
  let squared = 0;
  for (let i = 0; i < d; i++) {
    const x = x0[i]!;
    const projected = Math.min(1, Math.max(-1, x - lambda * phi[i]!));
    if (out) out[i] = projected;
    squared += (projected - x) * (projected - x);
  }
  return { lambda, distance: Math.sqrt(squared) };
}

/**
 * The projections x* of a batch of images (NHWC, flattened per image in HWC order, the order of
 * attrib's keys) onto the keyed side of `phi` (length h*w*c, HWC) with `margin`; see
 * {@link projectOntoKeyedSide}. Returns the projected images (a new tensor, float32) and each
 * image's distance. Reads the images synchronously.
 */
export function projectBatchOntoKeyedSide(
  images: tf.Tensor4D, phi: tf.Tensor1D | Float32Array, margin = 1,
): { projected: tf.Tensor4D; distances: Float64Array } {
  const [n, h, w, c] = images.shape;
  const d = h * w * c;
  const key = phi instanceof Float32Array ? phi : phi.dataSync() as Float32Array;
  if (key.length !== d) throw new Error(`projectBatchOntoKeyedSide: key of ${key.length} values for ${h}x${w}x${c} images; expected ${d}`);
  const values = images.dataSync() as Float32Array;
  const out = new Float32Array(n * d);
  const distances = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    distances[k] = projectOntoKeyedSide(values.subarray(k * d, (k + 1) * d), key, margin, out.subarray(k * d, (k + 1) * d)).distance;
  }
  return { projected: tf.tensor4d(out, [n, h, w, c]), distances };
}

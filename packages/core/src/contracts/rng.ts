/**
 * A seeded source of randomness. Everything random in attrib (latents, batch order, post-process
 * strengths, key initialisation) draws from one of these, so `--seed` makes a run repeatable on
 * the same backend. Create one with `createRng(seed)` from `@attrib/core`.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** A 32-bit integer to seed a TensorFlow.js random op (`tf.randomNormal(shape, 0, 1, 'float32', seed)`). */
  seed(): number;
  /**
   * An independent stream derived from this one's seed and a label, without advancing this one.
   * Stages fork per key and per epoch, so a resumed run draws exactly what an uninterrupted one would.
   */
  fork(label: string | number): Rng;
}

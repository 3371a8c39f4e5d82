import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/** Values a post-process parameter may take. JSON-safe, so runs and studies can record them. */
export type ParamValue = number | string | boolean | readonly number[];
export type Params = Readonly<Record<string, ParamValue>>;

/**
 * How a post-process is applied: `train` draws a random strength for every call (robust
 * training), `eval` applies the evaluation strength (the strongest, by the reference's convention).
 */
export interface PostProcessContext {
  readonly mode: 'train' | 'eval';
  readonly rng: Rng;
}

/**
 * A transformation an image may undergo after generation: blur, crop, noise, JPEG, ...
 * An instance holds its parameters; a {@link PostProcessFactory} makes instances.
 */
export interface PostProcess {
  /** The factory's name (`blur`, `crop`, ...). */
  readonly name: string;
  /** The parameters in force, after defaults were filled in. */
  readonly params: Params;
  /**
   * Whether gradients flow through {@link apply}. Robust training needs a differentiable
   * post-process, and such a post-process must return synchronously.
   */
  readonly differentiable: boolean;
  /**
   * Transforms a batch of images (NHWC, [-1, 1]) into a batch of the same shape and range.
   * Does not dispose its input. A non-differentiable one (a real codec) may be asynchronous.
   */
  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D | Promise<tf.Tensor4D>;
  /**
   * The linear map A of T, for the floor under T (issue 21): given when T(x) = A x (blur, crop
   * and resize, the DCT approximation of JPEG: `linearPart` is `apply`) or T(x) = A x + noise
   * that does not depend on x, up to clamping to [-1, 1] (noise: A = I; the combination: its
   * blur, crop and JPEG with the noise left out). Then phi.T(x) = (A^T phi).x (+ phi.noise, of
   * mean 0), and A^T phi is the gradient of phi.A(x). Synchronous and differentiable; draws from
   * `ctx.rng` exactly what {@link apply} draws, so one seed gives the strength of both. Absent
   * when T has no such linear part (a real codec, ...).
   */
  linearPart?(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D;
}

/**
 * The one parameter that sets how strong a post-process is, with its range from the weakest to
 * the strongest setting (for the field's attacks, the WAVES benchmark's range). A study's strength
 * sweep varies this parameter; `weakest` may be above `strongest` (JPEG quality 90 down to 10).
 */
export interface PostProcessStrength {
  /** The parameter's name, one of the factory's `defaults`. */
  readonly param: string;
  readonly weakest: number;
  readonly strongest: number;
  /** Whether the parameter takes integers only (a sweep rounds its points). */
  readonly integer?: boolean;
}

/** Makes {@link PostProcess} instances from user parameters. This is what a plugin registers. */
export interface PostProcessFactory {
  /** Unique name used on the command line (`--postprocess blur`). Lower case, no spaces. */
  readonly name: string;
  /** One line for `attrib components`. */
  readonly description: string;
  /** The defaults of every parameter; what `create()` with no argument uses. */
  readonly defaults: Params;
  /** The strength parameter and its range, for post-processes a study can sweep. */
  readonly strength?: PostProcessStrength;
  /**
   * Builds an instance. Unknown parameter names or invalid values throw an error naming the
   * parameter and what was expected.
   */
  create(params?: Readonly<Record<string, unknown>>): PostProcess;
}

import type * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from './image.js';
import type { Rng } from './rng.js';

/**
 * `train`: batch-norm layers normalise with batch statistics and update their running statistics
 * (as PyTorch's `model.train()`); `eval`: they use the running statistics (`model.eval()`).
 */
export type GeneratorMode = 'train' | 'eval';

/**
 * What a generator maps from.
 * - `latent`: noise-driven GANs (DCGAN, PGAN); inputs are latent batches.
 * - `image`: image-to-image GANs (CycleGAN); inputs are batches of source-domain images, NHWC in [-1, 1].
 */
export type GeneratorInputKind = 'latent' | 'image';

/** Named weights of a generator, including non-trainable ones such as batch-norm running statistics. */
export type NamedTensors = Record<string, tf.Tensor>;

/**
 * A generative model: the root G0 or a keyed copy G_i. Built by a {@link GeneratorAdapter}.
 *
 * The engine only ever talks to this interface, so noise-driven and image-to-image generators
 * are trained, keyed and evaluated by the same code.
 */
export interface Generator {
  /** Name of the adapter that built it (`dcgan`, `pgan`, ...). */
  readonly adapter: string;
  /** Architecture settings, enough for the adapter to rebuild it; stored in checkpoints. JSON-safe. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Shape of the images it makes. */
  readonly imageShape: ImageShape;
  readonly inputKind: GeneratorInputKind;
  /** Current mode; see {@link GeneratorMode}. A new generator starts in `eval`. */
  readonly mode: GeneratorMode;
  setMode(mode: GeneratorMode): void;

  /**
   * Draws a batch of `count` inputs: latents for a noise-driven GAN, source-domain images for an
   * image-to-image GAN. The caller disposes the result.
   */
  sampleInputs(count: number, rng: Rng): tf.Tensor;

  /**
   * Maps inputs to images, NHWC with values in [-1, 1]. Differentiable with respect to
   * {@link trainableVariables}. In `train` mode it also updates batch-norm running statistics.
   */
  generate(inputs: tf.Tensor): tf.Tensor4D;

  /** Variables an optimiser may change; empty once {@link freeze} was called. */
  readonly trainableVariables: readonly tf.Variable[];

  /** A deep copy with variables of its own, in the same mode, trainable even if this one is frozen. */
  clone(): Generator;

  /** Makes every variable non-trainable; used for the root G0 beside a trainable copy. */
  freeze(): void;

  /** A snapshot of every weight by its reference (state-dict) name. The caller disposes the tensors. */
  state(): NamedTensors;

  /** Assigns weights by name; throws naming the first missing or mis-shaped entry. Does not take ownership. */
  loadState(state: NamedTensors): void;

  /** Frees every variable. */
  dispose(): void;
}

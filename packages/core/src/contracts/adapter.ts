import type * as tf from '@tensorflow/tfjs-core';
import type { Generator, GeneratorInputKind } from './generator.js';
import type { ImageShape } from './image.js';
import type { ImageSource } from './image-source.js';
import type { RootTrainingOptions, RootTrainingResult } from './root-training.js';
import type { OptionsInput, StageName, StageOptions } from './stage-options.js';

/** What an adapter may need besides its own config to build a generator. */
export interface AdapterContext {
  /**
   * For image-to-image adapters: where {@link Generator.sampleInputs} draws source-domain
   * images from. Noise-driven adapters ignore it.
   */
  readonly inputs?: ImageSource;
}

/** A generator an adapter ships ready-trained (a root model), listed by {@link GeneratorAdapter.pretrained}. */
export interface PretrainedGeneratorInfo {
  /** Name used on the command line (`mnist32`). */
  readonly name: string;
  readonly description: string;
  /** Name of the image source it was trained on, the real data to use with it (`mnist`). */
  readonly data?: string;
  readonly imageShape: ImageShape;
}

/**
 * A named set of training settings an adapter recommends for its models (`--profile paper`):
 * per stage, options in the engine's own names. Options a profile leaves out keep the engine's
 * defaults; a config file and flags override a profile, option by option.
 */
export interface AdapterProfile {
  readonly description: string;
  readonly stages: { readonly [S in StageName]?: OptionsInput<StageOptions[S]> };
}

/**
 * Builds generators of one architecture family. This is what a GAN adapter plugin registers.
 * A generator's `config` passed back to {@link create} must rebuild the same architecture, which
 * is how checkpoints are loaded: `create(config)` then `loadState(weights)`.
 */
export interface GeneratorAdapter {
  /** Unique name used on the command line (`--adapter dcgan`). */
  readonly name: string;
  readonly description: string;
  readonly inputKind: GeneratorInputKind;
  /** Default architecture settings, filled in for any key missing from `create`'s config. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Builds a freshly initialised generator (in `eval` mode). Throws naming any invalid setting. */
  create(config: Readonly<Record<string, unknown>>, ctx?: AdapterContext): Generator;
  /**
   * Loads a checkpoint in the reference release's own format (a PyTorch `.pth` file, say) into
   * a generator. Optional: adapters without a reference format leave it out. `options` are
   * adapter-specific choices about what to read (pgan: `{ weights: 'netG' | 'avgG' }`); an
   * unknown option is an error naming it.
   */
  importReference?(file: string, ctx?: AdapterContext, options?: Readonly<Record<string, unknown>>): Promise<Generator>;
  /**
   * Generators the adapter ships ready-trained; the first is its default root model. Optional.
   */
  readonly pretrained?: readonly PretrainedGeneratorInfo[];
  /** Loads a shipped generator (the first of {@link pretrained} when `name` is omitted), in `eval` mode. */
  loadPretrained?(name?: string): Promise<Generator>;
  /**
   * Trains a root generator from scratch on real data, with checkpoints, sample grids and resume
   * in `options.outDir` (`attrib root train`). Optional: adapters of released models leave it out.
   */
  trainRoot?(options: RootTrainingOptions): Promise<RootTrainingResult>;
  /**
   * A generator of this adapter as a standalone TensorFlow.js layers model (`attrib export`), in
   * eval form (batch norm with its running statistics, folded or as layers): `modelTopology` a
   * tfjs-layers model JSON with one input, the generator's inputs (latents `[null, size]`), and
   * one output, its images NHWC in [-1, 1]; `weightSpecs` and `weightData` its weights. tfjs-layers'
   * `model.save(tf.io.withSaveHandler(...))` gives such artifacts, and so can plain JSON built by
   * hand with tfjs-core alone. Core checks the model against `generator.generate` before writing it.
   * Optional: adapters whose generators cannot be expressed as layers leave it out.
   */
  exportModel?(generator: Generator): Promise<tf.io.ModelArtifacts>;
  /**
   * Named training settings for this adapter's generators, by profile name (`paper`: the
   * reference release's settings), chosen with `--profile NAME` by the training commands.
   * Optional.
   */
  readonly profiles?: Readonly<Record<string, AdapterProfile>>;
}

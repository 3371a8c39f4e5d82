import type { Generator, GeneratorInputKind } from './generator.js';
import type { ImageSource } from './image-source.js';

/** What an adapter may need besides its own config to build a generator. */
export interface AdapterContext {
  /**
   * For image-to-image adapters: where {@link Generator.sampleInputs} draws source-domain
   * images from. Noise-driven adapters ignore it.
   */
  readonly inputs?: ImageSource;
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
}

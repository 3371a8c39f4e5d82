import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorAdapter } from '@attrib/core';
import type { Generator, GeneratorMode, NamedTensors } from '@attrib/core';
import { imageSize, type ImageShape } from '@attrib/core';
import type { Rng } from '@attrib/core';
import { createRng } from '@attrib/core';

/** Architecture of {@link DenseGenerator}. */
export interface DenseGeneratorConfig {
  /** Latent dimension. */
  readonly latent: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Adds a batch-norm layer (batch statistics in `train`, running statistics in `eval`). */
  readonly batchNorm: boolean;
  /** Seed of the initial weights. */
  readonly seed: number;
  /** Standard deviation of the initial dense weights. */
  readonly weightScale: number;
  /**
   * Standard deviation of the initial biases (dense, and batch norm's shift): a large one gives
   * the images a clear mean, as MNIST's dark background does.
   */
  readonly biasScale: number;
}

const DEFAULTS: DenseGeneratorConfig = { latent: 4, height: 4, width: 4, channels: 1, batchNorm: true, seed: 0, weightScale: 0.5, biasScale: 0.5 };
const MOMENTUM = 0.1;
const EPSILON = 1e-5;

/**
 * A tiny generator for tests: latent -> dense -> (batch norm) -> tanh -> image. It implements the
 * whole {@link Generator} contract, batch-norm modes included, the way PyTorch's `BatchNorm1d`
 * behaves (biased batch variance to normalise, unbiased variance in the running statistic,
 * momentum 0.1).
 */
export class DenseGenerator implements Generator {
  readonly adapter = 'test-dense';
  readonly inputKind = 'latent' as const;
  readonly imageShape: ImageShape;
  readonly settings: DenseGeneratorConfig;
  get config(): Readonly<Record<string, unknown>> {
    return { ...this.settings };
  }

  private currentMode: GeneratorMode = 'eval';
  private frozen = false;
  private readonly weights: Record<string, tf.Variable>;

  constructor(config: Partial<DenseGeneratorConfig> = {}, initial?: NamedTensors) {
    this.settings = { ...DEFAULTS, ...config };
    const { latent, height, width, channels, batchNorm, seed, weightScale, biasScale } = this.settings;
    for (const [name, value] of Object.entries({ latent, height, width, channels })) {
      if (!Number.isInteger(value) || value <= 0) throw new Error(`test-dense: ${name} must be a positive integer, got ${value}`);
    }
    this.imageShape = { height, width, channels };
    const d = imageSize(this.imageShape);
    const rng = createRng(seed);
    const make = (name: string, fresh: () => tf.Tensor): tf.Variable => {
      const value = initial?.[name] ?? fresh();
      const variable = tf.variable(value, !name.includes('running'));
      if (!initial?.[name]) value.dispose();
      return variable;
    };
    this.weights = {
      'dense.weight': make('dense.weight', () => tf.randomNormal([d, latent], 0, weightScale, 'float32', rng.seed())),
      'dense.bias': make('dense.bias', () => tf.randomNormal([d], 0, biasScale, 'float32', rng.seed())),
    };
    if (batchNorm) {
      this.weights['bn.weight'] = make('bn.weight', () => tf.ones([d]));
      this.weights['bn.bias'] = make('bn.bias', () => tf.randomNormal([d], 0, biasScale, 'float32', rng.seed()));
      this.weights['bn.running_mean'] = make('bn.running_mean', () => tf.zeros([d]));
      this.weights['bn.running_var'] = make('bn.running_var', () => tf.ones([d]));
    }
  }

  get mode(): GeneratorMode {
    return this.currentMode;
  }

  setMode(mode: GeneratorMode): void {
    this.currentMode = mode;
  }

  get trainableVariables(): readonly tf.Variable[] {
    return Object.values(this.weights).filter((v) => v.trainable);
  }

  sampleInputs(count: number, rng: Rng): tf.Tensor {
    return tf.randomNormal([count, this.settings.latent], 0, 1, 'float32', rng.seed());
  }

  generate(inputs: tf.Tensor): tf.Tensor4D {
    const { height, width, channels } = this.imageShape;
    const w = this.weights;
    return tf.tidy(() => {
      let h = tf.add(tf.matMul(inputs as tf.Tensor2D, w['dense.weight']! as tf.Tensor2D, false, true), w['dense.bias']!);
      if (this.settings.batchNorm) {
        let mean: tf.Tensor, variance: tf.Tensor;
        if (this.currentMode === 'train') {
          const n = inputs.shape[0]!;
          ({ mean, variance } = tf.moments(h, 0));
          const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
          w['bn.running_mean']!.assign(tf.add(tf.mul(w['bn.running_mean']!, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
          w['bn.running_var']!.assign(tf.add(tf.mul(w['bn.running_var']!, 1 - MOMENTUM), tf.mul(unbiased, MOMENTUM)));
        } else {
          mean = w['bn.running_mean']!;
          variance = w['bn.running_var']!;
        }
        h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, EPSILON))), w['bn.weight']!), w['bn.bias']!);
      }
      return tf.reshape(tf.tanh(h), [-1, height, width, channels]) as tf.Tensor4D;
    });
  }

  clone(): Generator {
    const copy = new DenseGenerator(this.settings, this.weights);
    copy.setMode(this.currentMode);
    return copy;
  }

  freeze(): void {
    this.frozen = true;
    for (const variable of Object.values(this.weights)) variable.trainable = false;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  state(): NamedTensors {
    const out: NamedTensors = {};
    for (const [name, variable] of Object.entries(this.weights)) out[name] = variable.clone();
    return out;
  }

  loadState(state: NamedTensors): void {
    for (const [name, variable] of Object.entries(this.weights)) {
      const value = state[name];
      if (!value) throw new Error(`test-dense: state has no entry ${name}`);
      if (value.shape.join('x') !== variable.shape.join('x')) {
        throw new Error(`test-dense: ${name} has shape [${value.shape}], expected [${variable.shape}]`);
      }
      variable.assign(value);
    }
  }

  dispose(): void {
    for (const variable of Object.values(this.weights)) variable.dispose();
  }
}

/** The adapter of {@link DenseGenerator}, for tests that go through the plugin host or run folders. */
export const denseTestAdapter: GeneratorAdapter = {
  name: 'test-dense',
  description: 'A tiny dense generator for tests',
  inputKind: 'latent',
  defaults: DEFAULTS as unknown as Record<string, unknown>,
  create(config) {
    return new DenseGenerator(config as Partial<DenseGeneratorConfig>);
  },
  profiles: {
    // Tiny settings unlike the engine's defaults in every stage, for the --profile tests.
    tiny: {
      description: 'tiny runs for tests',
      stages: {
        first: { epochs: 1, stepsPerEpoch: 2, batchSize: 8, checkSamples: 20, alpha: 7, lrKey: 0.02 },
        keys: { epochs: 1, stepsPerEpoch: 2, batchSize: 16, angleTerm: 'cosine', cosineTarget: 0.5 },
        generators: { epochs: 1, stepsPerEpoch: 2, batchSize: 8, checkSamples: 20, alpha: 3, objective: 'shift', shift: { delta: 0.05, growth: 1.2 } },
        robust: { epochs: 1, stepsPerEpoch: 2, batchSize: 8, checkSamples: 20, probability: 0.25 },
      },
    },
  },
};

import * as tf from '@tensorflow/tfjs-core';
import { checkGeneratorMode, createRng, formatShape, sameShape } from '@attrib/core';
import type { Generator, GeneratorMode, ImageShape, ImageSource, NamedTensors, Rng } from '@attrib/core';
import { inputShapeOf, outputShapeOf, type CycleganConfig } from './config.js';
import {
  convStride2, convTransposeUp2, convValid, filterFromTorch, filterToTorch, instanceNorm, reflectionPad,
} from './layers.js';
import { convolutions, isLegacyNormEntry, resnetLayout, torchWeightShape, type ConvSpec, type ResnetLayout } from './layout.js';

let variableCounter = 0;
/** TensorFlow.js names variables process-wide; keep the state-dict name readable inside a unique one. */
const variableName = (label: string): string => `cyclegan/${++variableCounter}/${label}`;

/** A convolution's weights: TensorFlow-layout filter and bias. */
interface Conv {
  readonly spec: ConvSpec;
  readonly filter: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1>;
}

/** The reference's initialisation (`init_weights('normal', 0.02)`): weights N(0, 0.02), biases 0. */
const INIT_STD = 0.02;

/**
 * The `ResnetGenerator` of junyanz/pytorch-CycleGAN-and-pix2pix as an attrib {@link Generator}:
 * reflection pad 3, 7x7 conv, two stride-2 3x3 convs, `blocks` residual blocks (reflection pad 1,
 * 3x3 conv, instance norm, ReLU, reflection pad 1, 3x3 conv, instance norm, plus the skip), two
 * transposed 3x3 convs (stride 2, output padding 1), reflection pad 3, 7x7 conv, tanh; instance
 * norm (no affine parameters, always instance statistics) and ReLU after every inner conv.
 *
 * Inputs are source-domain images, NHWC in [-1, 1]; {@link sampleInputs} draws them from the image
 * source it was built with. `state()` speaks the reference's state-dict names (`model.1.weight`,
 * `model.10.conv_block.1.weight`, ...) and PyTorch layouts. Having no batch norm and no dropout,
 * `train` and `eval` modes compute the same function.
 */
export class CycleganGenerator implements Generator {
  readonly adapter = 'cyclegan';
  readonly inputKind = 'image' as const;
  readonly imageShape: ImageShape;
  /** Shape of the source-domain images it maps from. */
  readonly inputShape: ImageShape;
  private currentMode: GeneratorMode = 'eval';
  private frozen = false;
  private readonly layout: ResnetLayout;
  private readonly convs: Map<string, Conv>;

  /**
   * @param settings a resolved config (see `resolveCycleganConfig`)
   * @param inputs where {@link sampleInputs} draws source-domain images from; its shape must be
   *   the generator's input shape. Without it the generator still maps images it is given.
   */
  constructor(readonly settings: CycleganConfig, readonly inputs?: ImageSource) {
    this.imageShape = outputShapeOf(settings);
    this.inputShape = inputShapeOf(settings);
    if (inputs && !sameShape(inputs.shape, this.inputShape)) {
      throw new Error(`cyclegan: input images ${inputs.description} are ${formatShape(inputs.shape)}; the generator maps ${formatShape(this.inputShape)}`);
    }
    this.layout = resnetLayout(settings);
    const rng = createRng(settings.seed).fork('cyclegan-generator');
    this.convs = new Map(convolutions(this.layout).map((spec) => {
      const { kernel, inChannels, outChannels } = spec;
      const shape: [number, number, number, number] = spec.kind === 'conv'
        ? [kernel, kernel, inChannels, outChannels]
        : [kernel, kernel, outChannels, inChannels];
      // tidy frees the initial values; the variables keep their data.
      const filter = tf.tidy(() => tf.variable(
        tf.randomNormal(shape, 0, INIT_STD, 'float32', rng.fork(spec.prefix).seed()), true, variableName(`${spec.prefix}.weight`)));
      const bias = tf.tidy(() => tf.variable(tf.zeros([outChannels]), true, variableName(`${spec.prefix}.bias`)));
      const conv: Conv = { spec, filter: filter as tf.Variable<tf.Rank.R4>, bias: bias as tf.Variable<tf.Rank.R1> };
      return [spec.prefix, conv];
    }));
  }

  get config(): Readonly<Record<string, unknown>> {
    return { ...this.settings };
  }

  get mode(): GeneratorMode {
    return this.currentMode;
  }

  setMode(mode: GeneratorMode): void {
    this.currentMode = checkGeneratorMode('cyclegan', mode);
  }

  /** `count` source-domain images drawn uniformly at random (with replacement) from the input source. */
  sampleInputs(count: number, rng: Rng): tf.Tensor4D {
    if (!Number.isInteger(count) || count <= 0) throw new Error(`cyclegan: sample count must be a positive integer, got ${count}`);
    if (!this.inputs) throw new Error('cyclegan: no source-domain images to draw inputs from (build the generator with AdapterContext.inputs)');
    const indices = Array.from({ length: count }, () => rng.int(this.inputs!.size));
    return this.inputs.read(indices);
  }

  generate(inputs: tf.Tensor): tf.Tensor4D {
    const { height, width, channels } = this.inputShape;
    const [, h, w, c] = inputs.shape;
    if (inputs.rank !== 4 || h !== height || w !== width || c !== channels) {
      throw new Error(`cyclegan: inputs of shape [${inputs.shape.join(', ')}]; expected [N, ${height}, ${width}, ${channels}] (NHWC source-domain images)`);
    }
    const conv = (spec: ConvSpec): Conv => this.convs.get(spec.prefix)!;
    const relu = (t: tf.Tensor4D): tf.Tensor4D => tf.relu(t);
    return tf.tidy(() => {
      const { stem, down, blocks, up, head } = this.layout;
      let x = inputs as tf.Tensor4D;
      const s = conv(stem);
      x = relu(instanceNorm(convValid(reflectionPad(x, 3), s.filter, s.bias)));
      for (const spec of down) {
        const d = conv(spec);
        x = relu(instanceNorm(convStride2(x, d.filter, d.bias)));
      }
      for (const [first, second] of blocks) {
        const a = conv(first);
        const b = conv(second);
        const y = relu(instanceNorm(convValid(reflectionPad(x, 1), a.filter, a.bias)));
        x = tf.add(x, instanceNorm(convValid(reflectionPad(y, 1), b.filter, b.bias)));
      }
      for (const spec of up) {
        const u = conv(spec);
        x = relu(instanceNorm(convTransposeUp2(x, u.filter, u.bias)));
      }
      const o = conv(head);
      return tf.tanh(convValid(reflectionPad(x, 3), o.filter, o.bias));
    });
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.frozen ? [] : [...this.convs.values()].flatMap((c) => [c.filter, c.bias]);
  }

  freeze(): void {
    this.frozen = true;
    for (const c of this.convs.values()) {
      c.filter.trainable = false;
      c.bias.trainable = false;
    }
  }

  clone(): CycleganGenerator {
    const copy = new CycleganGenerator(this.settings, this.inputs);
    const state = this.state();
    try {
      copy.loadState(state);
    } finally {
      tf.dispose(Object.values(state));
    }
    copy.setMode(this.currentMode);
    return copy;
  }

  /** Weights by state-dict name, in the reference's order, in PyTorch layouts. */
  state(): NamedTensors {
    const out: NamedTensors = {};
    for (const c of this.convs.values()) {
      out[`${c.spec.prefix}.weight`] = tf.tidy(() => filterToTorch(c.filter));
      out[`${c.spec.prefix}.bias`] = tf.clone(c.bias);
    }
    return out;
  }

  /**
   * Assigns weights given by the reference's state-dict names and PyTorch layouts. Instance-norm
   * running statistics of older official checkpoints (`model.2.running_mean`, ...,
   * `num_batches_tracked`) are ignored, as the official loader drops them. Every entry is checked
   * before any is assigned; a missing, mis-shaped or unknown entry is a one-line error naming it.
   */
  loadState(state: NamedTensors): void {
    const expected = new Map<string, number[]>();
    for (const c of this.convs.values()) {
      expected.set(`${c.spec.prefix}.weight`, torchWeightShape(c.spec));
      expected.set(`${c.spec.prefix}.bias`, [c.spec.outChannels]);
    }
    for (const [name, shape] of expected) {
      const value = state[name];
      if (value === undefined) throw new Error(`cyclegan: state has no entry '${name}' (expected shape [${shape.join(', ')}])`);
      if (value.shape.length !== shape.length || value.shape.some((v, i) => v !== shape[i])) {
        throw new Error(`cyclegan: entry '${name}' has shape [${value.shape.join(', ')}]; expected [${shape.join(', ')}]`);
      }
    }
    const unexpected = Object.keys(state).find((name) => !expected.has(name) && !isLegacyNormEntry(this.layout, name));
    if (unexpected !== undefined) throw new Error(`cyclegan: state has an unexpected entry '${unexpected}' (not part of this architecture)`);
    for (const c of this.convs.values()) {
      tf.tidy(() => {
        const weight = state[`${c.spec.prefix}.weight`]!;
        const bias = state[`${c.spec.prefix}.bias`]!;
        c.filter.assign(filterFromTorch(tf.cast(weight, 'float32')));
        c.bias.assign(tf.cast(bias, 'float32') as tf.Tensor1D);
      });
    }
  }

  dispose(): void {
    for (const c of this.convs.values()) {
      c.filter.dispose();
      c.bias.dispose();
    }
  }
}

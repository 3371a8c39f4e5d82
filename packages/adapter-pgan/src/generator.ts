import * as tf from '@tensorflow/tfjs-core';
import { checkGeneratorMode, createRng, normalLatents } from '@attrib/core';
import type { Generator, GeneratorMode, ImageShape, NamedTensors, Rng } from '@attrib/core';
import { pganImageSide, type PganConfig } from './config.js';
import {
  convWeightFromTorch, convWeightToTorch, equalizedConv, equalizedLinear, formatBiasFromTorch, formatBiasToTorch,
  formatWeightFromTorch, formatWeightToTorch, heConstant, pixelNorm, upscale2x,
} from './layers.js';
import { assignState, type StateEntry } from './state.js';

let variableCounter = 0;
/** TensorFlow.js names variables process-wide; keep the state-dict name readable inside a unique one. */
const variableName = (label: string): string => `pgan/${++variableCounter}/${label}`;

/** One equalized layer: TensorFlow-layout weight, bias, and the run-time scale. */
interface Layer {
  /** State-dict prefix in the zoo's GNet (`scaleLayers.1.0`, ...); parameters are `<prefix>.module.weight|bias`. */
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly scale: number;
}

/**
 * The generator of facebookresearch/pytorch_GAN_zoo's Progressive GAN (`GNet`) as an attrib
 * {@link Generator}: pixel-normalised latent, an equalized linear "format" layer to 4x4, a 3x3
 * convolution at 4x4, then per further scale a nearest-neighbour 2x upsampling and two 3x3
 * convolutions, each followed by LeakyReLU and pixel normalisation; a 1x1 toRGB convolution per
 * scale, the last one's output blended with the previous scale's by `alpha`.
 *
 * Latents are N(0, I) of shape [N, dimLatent] (the zoo's `buildNoiseData`); `generate` also takes
 * [N, dimLatent, 1, 1]. Images come out NHWC. With the zoo's WGANGP loss there is no output
 * activation, so values may leave [-1, 1] slightly, as in the reference.
 * `state()` speaks the zoo's state-dict names (`formatLayer.module.weight`, ...) and PyTorch layouts.
 * There is no batch norm: `train` and `eval` modes compute the same function.
 */
export class PganGenerator implements Generator {
  readonly adapter = 'pgan';
  readonly inputKind = 'latent' as const;
  readonly imageShape: ImageShape;
  private currentMode: GeneratorMode = 'eval';
  private frozen = false;
  private readonly format: Layer;
  private readonly scale0: Layer;
  /** Two convolutions per scale above 4x4. */
  private readonly scaleLayers: (readonly [Layer, Layer])[];
  private readonly toRGB: Layer[];

  constructor(readonly settings: PganConfig) {
    const side = pganImageSide(settings);
    this.imageShape = { height: side, width: side, channels: settings.dimOutput };
    const rng = createRng(settings.seed).fork('pgan-generator');
    const make = (prefix: string, inChannels: number, outChannels: number, kernel: number): Layer => {
      const fanIn = kernel === 0 ? inChannels : inChannels * kernel * kernel;
      // The zoo draws equalized weights from N(0, 1) and biases of zero; without equalization
      // the He scale moves into the weights instead.
      const std = settings.equalizedlR ? 1 : heConstant(fanIn);
      const shape = kernel === 0 ? [inChannels, outChannels] : [kernel, kernel, inChannels, outChannels];
      return {
        prefix, inChannels, outChannels, kernel,
        // Inside tidy so the initial values are released; the variables keep their data.
        weight: tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, std, 'float32', rng.fork(prefix).seed()), true, variableName(`${prefix}.weight`))),
        bias: tf.tidy(() => tf.variable(tf.zeros([outChannels]), true, variableName(`${prefix}.bias`))),
        scale: settings.equalizedlR ? heConstant(fanIn) : 1,
      };
    };
    const d0 = settings.depthScale0;
    // kernel 0 marks the linear format layer (fan-in = dimLatent).
    this.format = make('formatLayer', settings.dimLatent, 16 * d0, 0);
    this.scale0 = make('groupScale0.0', d0, d0, 3);
    const depths = [d0, ...settings.depthOtherScales];
    this.scaleLayers = settings.depthOtherScales.map((depth, i) => [
      make(`scaleLayers.${i}.0`, depths[i]!, depth, 3),
      make(`scaleLayers.${i}.1`, depth, depth, 3),
    ] as const);
    this.toRGB = depths.map((depth, i) => make(`toRGBLayers.${i}`, depth, settings.dimOutput, 1));
  }

  get config(): Readonly<Record<string, unknown>> {
    return { ...this.settings, depthOtherScales: [...this.settings.depthOtherScales] };
  }

  get mode(): GeneratorMode {
    return this.currentMode;
  }

  setMode(mode: GeneratorMode): void {
    this.currentMode = checkGeneratorMode('pgan', mode);
  }

  sampleInputs(count: number, rng: Rng): tf.Tensor2D {
    return normalLatents('pgan', count, this.settings.dimLatent, rng);
  }

  generate(inputs: tf.Tensor): tf.Tensor4D {
    const { dimLatent, leakyReluLeak, perChannelNormalization, alpha, generationActivation } = this.settings;
    const n = inputs.shape[0] ?? 0;
    const ok = inputs.rank === 2 ? inputs.shape[1] === dimLatent : inputs.rank === 4 && inputs.size === n * dimLatent && inputs.shape.includes(dimLatent);
    if (!ok) throw new Error(`pgan: latents of shape [${inputs.shape.join(', ')}]; expected [N, ${dimLatent}] or [N, ${dimLatent}, 1, 1]`);
    const norm = <T extends tf.Tensor>(t: T): T => (perChannelNormalization ? pixelNorm(t) : t);
    const act = <T extends tf.Tensor>(t: T): T => tf.leakyRelu(t, leakyReluLeak) as T;
    const conv = (x: tf.Tensor4D, layer: Layer): tf.Tensor4D =>
      equalizedConv(x, layer.weight as tf.Tensor4D, layer.bias as tf.Tensor1D, layer.scale);
    return tf.tidy(() => {
      const z = norm(tf.reshape(inputs, [n, dimLatent]) as tf.Tensor2D);
      const formatted = act(equalizedLinear(z, this.format.weight as tf.Tensor2D, this.format.bias as tf.Tensor1D, this.format.scale));
      let x = norm(tf.reshape(formatted, [n, 4, 4, this.settings.depthScale0]) as tf.Tensor4D);
      x = norm(act(conv(x, this.scale0)));
      let previous = x;
      for (const group of this.scaleLayers) {
        previous = x;
        x = upscale2x(x);
        for (const layer of group) x = norm(act(conv(x, layer)));
      }
      let out = conv(x, this.toRGB[this.toRGB.length - 1]!);
      if (alpha > 0) {
        const low = upscale2x(conv(previous, this.toRGB[this.toRGB.length - 2]!));
        out = tf.add(tf.mul(low, alpha), tf.mul(out, 1 - alpha));
      }
      return generationActivation === 'tanh' ? tf.tanh(out) : out;
    });
  }

  private get layers(): Layer[] {
    return [this.format, this.scale0, ...this.scaleLayers.flat(), ...this.toRGB];
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.frozen ? [] : this.layers.flatMap((l) => [l.weight, l.bias]);
  }

  freeze(): void {
    this.frozen = true;
    for (const layer of this.layers) {
      layer.weight.trainable = false;
      layer.bias.trainable = false;
    }
  }

  clone(): PganGenerator {
    const copy = new PganGenerator(this.settings);
    const state = this.state();
    try {
      copy.loadState(state);
    } finally {
      tf.dispose(Object.values(state));
    }
    copy.setMode(this.currentMode);
    return copy;
  }

  /** Entries in the order of the zoo's GNet.state_dict(). */
  private entries(): StateEntry[] {
    const depth = this.settings.depthScale0;
    const convEntries = (layer: Layer): StateEntry[] => [
      {
        name: `${layer.prefix}.module.weight`,
        shape: [layer.outChannels, layer.inChannels, layer.kernel, layer.kernel],
        read: () => convWeightToTorch(layer.weight),
        write: (t) => layer.weight.assign(convWeightFromTorch(t)),
      },
      biasEntry(layer),
    ];
    const biasEntry = (layer: Layer): StateEntry => ({
      name: `${layer.prefix}.module.bias`,
      shape: [layer.outChannels],
      read: () => tf.clone(layer.bias),
      write: (t) => layer.bias.assign(t),
    });
    const format: StateEntry[] = [
      {
        name: 'formatLayer.module.weight',
        shape: [16 * depth, this.settings.dimLatent],
        read: () => formatWeightToTorch(this.format.weight, depth),
        write: (t) => this.format.weight.assign(formatWeightFromTorch(t, depth)),
      },
      {
        name: 'formatLayer.module.bias',
        shape: [16 * depth],
        read: () => formatBiasToTorch(this.format.bias, depth),
        write: (t) => this.format.bias.assign(formatBiasFromTorch(t, depth)),
      },
    ];
    return [
      ...this.scaleLayers.flat().flatMap(convEntries),
      ...this.toRGB.flatMap(convEntries),
      ...format,
      ...convEntries(this.scale0),
    ];
  }

  state(): NamedTensors {
    const out: NamedTensors = {};
    for (const entry of this.entries()) out[entry.name] = tf.tidy(() => entry.read());
    return out;
  }

  loadState(state: NamedTensors): void {
    assignState(this.entries(), state);
  }

  dispose(): void {
    for (const layer of this.layers) {
      layer.weight.dispose();
      layer.bias.dispose();
    }
  }
}

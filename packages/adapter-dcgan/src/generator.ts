import * as tf from '@tensorflow/tfjs-core';
import { checkGeneratorMode, createRng, normalLatents } from '@attrib/core';
import type { Generator, GeneratorMode, ImageShape, NamedTensors, Rng } from '@attrib/core';
import { generatorPlan, type GeneratorLayerPlan } from './architecture.js';
import type { DcganConfig } from './config.js';
import { BatchNorm2d } from './layers/batch-norm.js';
import { convTranspose2d, convTransposeWeightFromTorch, convTransposeWeightToTorch } from './layers/conv.js';
import { assignState, disposeLayers, readState, type StateEntry } from './state.js';
import { ownedVariable } from './layers/variable-names.js';

interface GeneratorLayer {
  readonly plan: GeneratorLayerPlan;
  /** TensorFlow's conv2dTranspose layout [kh, kw, out, in]. */
  readonly filter: tf.Variable;
  readonly batchNorm?: BatchNorm2d;
}

/** DCGAN weight init (Radford et al., as the PyTorch DCGAN example): conv N(0, 0.02), BN gamma N(1, 0.02), beta 0. */
function initialLayers(config: DcganConfig): GeneratorLayer[] {
  const rng = createRng(config.seed).fork('dcgan-generator');
  return generatorPlan(config).map((plan) => {
    const { kernel, outChannels, inChannels } = plan;
    const filter = ownedVariable(
      tf.randomNormal([kernel, kernel, outChannels, inChannels], 0, 0.02, 'float32', rng.fork(plan.conv).seed()),
      true, `${plan.conv}.weight`,
    );
    const batchNorm = plan.batchNorm === undefined ? undefined : new BatchNorm2d(plan.batchNorm, outChannels, {
      weight: tf.randomNormal([outChannels], 1, 0.02, 'float32', rng.fork(plan.batchNorm).seed()),
      bias: tf.zeros([outChannels]),
    });
    return batchNorm ? { plan, filter, batchNorm } : { plan, filter };
  });
}

/**
 * The reference release's DCGAN generator (see {@link generatorPlan}) as an attrib
 * {@link Generator}. Latents are N(0, I) of shape [N, nz]; `generate` also takes the reference's
 * [N, nz, 1, 1] (same memory layout) or [N, 1, 1, nz]. Images come out NHWC in [-1, 1].
 * `state()` speaks the reference's state-dict names and PyTorch weight layouts.
 */
export class DcganGenerator implements Generator {
  readonly adapter = 'dcgan';
  readonly inputKind = 'latent' as const;
  readonly imageShape: ImageShape;
  private currentMode: GeneratorMode = 'eval';
  private frozen = false;
  private readonly layers: GeneratorLayer[];

  constructor(readonly settings: DcganConfig) {
    this.imageShape = { height: settings.resolution, width: settings.resolution, channels: settings.channels };
    this.layers = initialLayers(settings);
  }

  get config(): Readonly<Record<string, unknown>> {
    return { ...this.settings };
  }

  get mode(): GeneratorMode {
    return this.currentMode;
  }

  setMode(mode: GeneratorMode): void {
    this.currentMode = checkGeneratorMode('dcgan', mode);
  }

  sampleInputs(count: number, rng: Rng): tf.Tensor2D {
    return normalLatents('dcgan', count, this.settings.nz, rng);
  }

  generate(inputs: tf.Tensor): tf.Tensor4D {
    const training = this.currentMode === 'train';
    return this.forward(inputs, training, training);
  }

  /**
   * The forward pass with batch norm in training mode or not, and with or without updating the
   * running statistics. The root trainer uses `forward(z, true, false)` for the fake batch of the
   * discriminator step, so that (as in PyTorch's DCGAN loop, which reuses one forward pass for
   * both steps) each iteration updates the statistics once.
   */
  forward(inputs: tf.Tensor, batchStatistics: boolean, updateRunningStatistics: boolean): tf.Tensor4D {
    const { nz } = this.settings;
    const n = inputs.shape[0] ?? 0;
    if (inputs.size !== n * nz || !(inputs.rank === 2 || (inputs.rank === 4 && inputs.shape.includes(nz)))) {
      throw new Error(`dcgan: latents of shape [${inputs.shape.join(', ')}]; expected [N, ${nz}] or [N, ${nz}, 1, 1]`);
    }
    return tf.tidy(() => {
      let x = tf.reshape(inputs, [n, 1, 1, nz]) as tf.Tensor4D;
      for (const layer of this.layers) {
        const { batchNorm } = layer;
        if (batchNorm !== undefined && !batchStatistics) {
          // Batch norm with its running statistics is a per-channel map: one kernel with the convolution.
          x = convTranspose2d(x, layer.filter as tf.Tensor4D, layer.plan, { ...batchNorm.evaluationAffine(), activation: 'relu' });
          continue;
        }
        x = convTranspose2d(x, layer.filter as tf.Tensor4D, layer.plan);
        x = batchNorm ? batchNorm.apply(x, batchStatistics, updateRunningStatistics, 'relu') : tf.tanh(x);
      }
      return x;
    });
  }

  get trainableVariables(): readonly tf.Variable[] {
    if (this.frozen) return [];
    return this.layers.flatMap((l) => [l.filter, ...(l.batchNorm?.trainableVariables ?? [])]);
  }

  freeze(): void {
    this.frozen = true;
    for (const layer of this.layers) {
      layer.filter.trainable = false;
      for (const v of layer.batchNorm?.trainableVariables ?? []) v.trainable = false;
    }
  }

  clone(): DcganGenerator {
    const copy = new DcganGenerator(this.settings);
    const state = this.state();
    try {
      copy.loadState(state);
    } finally {
      tf.dispose(Object.values(state));
    }
    copy.setMode(this.currentMode);
    return copy;
  }

  private entries(): StateEntry[] {
    return this.layers.flatMap((layer) => {
      const { plan, filter, batchNorm } = layer;
      const conv: StateEntry = {
        name: `${plan.conv}.weight`,
        shape: [plan.inChannels, plan.outChannels, plan.kernel, plan.kernel],
        read: () => convTransposeWeightToTorch(filter),
        write: (t) => filter.assign(convTransposeWeightFromTorch(t)),
      };
      return batchNorm ? [conv, ...batchNormEntries(batchNorm)] : [conv];
    });
  }

  state(): NamedTensors {
    return readState(this.entries());
  }

  loadState(state: NamedTensors): void {
    assignState('dcgan', this.entries(), state);
  }

  dispose(): void {
    disposeLayers(this.layers);
  }
}

/** State entries of a batch norm under its reference names (PyTorch's BatchNorm2d state dict). */
export function batchNormEntries(bn: BatchNorm2d): StateEntry[] {
  const vector = (suffix: string, v: tf.Variable): StateEntry => ({
    name: `${bn.name}.${suffix}`,
    shape: [bn.channels],
    read: () => tf.clone(v),
    write: (t) => v.assign(tf.reshape(t, [bn.channels])),
  });
  return [
    vector('weight', bn.weight),
    vector('bias', bn.bias),
    vector('running_mean', bn.runningMean),
    vector('running_var', bn.runningVar),
    {
      name: `${bn.name}.num_batches_tracked`,
      shape: [],
      optional: true,
      read: () => tf.scalar(bn.numBatchesTracked, 'int32'),
      write: (t) => { bn.numBatchesTracked = Math.round(t.dataSync()[0]!); },
    },
  ];
}

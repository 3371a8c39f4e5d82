import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@attrib/core';
import { createRng } from '@attrib/core';
import { discriminatorPlan, type DiscriminatorLayerPlan } from './architecture.js';
import type { DcganConfig } from './config.js';
import { batchNormEntries } from './generator.js';
import { BatchNorm2d } from './layers/batch-norm.js';
import { conv2d, convWeightFromTorch, convWeightToTorch } from './layers/conv.js';
import { ownedVariable } from './layers/variable-names.js';
import { assignState, disposeLayers, readState, type StateEntry } from './state.js';

interface DiscriminatorLayer {
  readonly plan: DiscriminatorLayerPlan;
  /** TensorFlow's conv2d layout [kh, kw, in, out]. */
  readonly filter: tf.Variable;
  readonly batchNorm?: BatchNorm2d;
}

/**
 * The DCGAN discriminator matching a generator's config (see {@link discriminatorPlan}), used to
 * train root models. `logits` returns one pre-sigmoid score per image (higher: more real).
 */
export class DcganDiscriminator {
  private readonly layers: DiscriminatorLayer[];

  constructor(readonly settings: DcganConfig) {
    const rng = createRng(settings.seed).fork('dcgan-discriminator');
    this.layers = discriminatorPlan(settings).map((plan) => {
      const filter = ownedVariable(
        tf.randomNormal([plan.kernel, plan.kernel, plan.inChannels, plan.outChannels], 0, 0.02, 'float32', rng.fork(plan.conv).seed()),
        true, `D.${plan.conv}.weight`,
      );
      const batchNorm = plan.batchNorm === undefined ? undefined : new BatchNorm2d(plan.batchNorm, plan.outChannels, {
        weight: tf.randomNormal([plan.outChannels], 1, 0.02, 'float32', rng.fork(plan.batchNorm).seed()),
        bias: tf.zeros([plan.outChannels]),
      });
      return batchNorm ? { plan, filter, batchNorm } : { plan, filter };
    });
  }

  /** Logits [N] of NHWC images in [-1, 1]; `training` puts batch norm in training mode. */
  logits(images: tf.Tensor4D, training: boolean): tf.Tensor1D {
    return tf.tidy(() => {
      let x = images;
      const last = this.layers.length - 1;
      this.layers.forEach((layer, i) => {
        x = conv2d(x, layer.filter as tf.Tensor4D, layer.plan);
        if (layer.batchNorm) x = layer.batchNorm.apply(x, training);
        if (i < last) x = tf.leakyRelu(x, 0.2);
      });
      return tf.reshape(x, [images.shape[0]]) as tf.Tensor1D;
    });
  }

  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.filter, ...(l.batchNorm?.trainableVariables ?? [])]);
  }

  private entries(): StateEntry[] {
    return this.layers.flatMap(({ plan, filter, batchNorm }) => {
      const conv: StateEntry = {
        name: `${plan.conv}.weight`,
        shape: [plan.outChannels, plan.inChannels, plan.kernel, plan.kernel],
        read: () => convWeightToTorch(filter),
        write: (t) => filter.assign(convWeightFromTorch(t)),
      };
      return batchNorm ? [conv, ...batchNormEntries(batchNorm)] : [conv];
    });
  }

  /** Weights under PyTorch-style names and layouts (conv1.weight [out, in, kh, kw], batch2.*, ...). */
  state(): NamedTensors {
    return readState(this.entries());
  }

  loadState(state: NamedTensors): void {
    assignState('dcgan discriminator', this.entries(), state);
  }

  dispose(): void {
    disposeLayers(this.layers);
  }
}

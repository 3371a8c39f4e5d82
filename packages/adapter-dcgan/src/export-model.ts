import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@attrib/core';
import { generatorPlan } from './architecture.js';
import { resolveDcganConfig } from './config.js';
import { BATCH_NORM_EPS } from './layers/batch-norm.js';
import { convTransposeWeightFromTorch } from './layers/conv.js';

/** A tfjs-layers layer as model.json stores it (Keras' serialisation, snake_case settings). */
interface LayerJson {
  readonly class_name: string;
  readonly config: Record<string, unknown>;
}

function convTransposeLayer(name: string, filters: number, stride: number, padding: 'valid' | 'same', activation: 'relu' | 'tanh'): LayerJson {
  return {
    class_name: 'Conv2DTranspose',
    config: {
      name, trainable: false, filters, kernel_size: [4, 4], strides: [stride, stride], padding,
      data_format: 'channels_last', activation, use_bias: true,
      // The loaded weights replace the initial ones; zeros are the cheapest to make.
      kernel_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    },
  };
}

/**
 * A DCGAN generator as tfjs-layers model artifacts, built with tfjs-core alone: input [N, nz]
 * latents, a Reshape to 1x1xnz, then per layer of {@link generatorPlan} a Conv2DTranspose with
 * bias ('valid' stride 1 first, 'same' stride 2 after: PyTorch's padding 0 and 1) and ReLU, the
 * last one with tanh. Each batch norm is folded, with its running statistics (eval mode), into
 * the convolution before it: scale = gamma / sqrt(running_var + eps) multiplies the kernel's
 * output channels, and the bias is beta - running_mean * scale. Output NHWC in [-1, 1].
 */
export async function dcganModelArtifacts(generator: Generator): Promise<tf.io.ModelArtifacts> {
  if (generator.adapter !== 'dcgan') throw new Error(`dcgan: cannot export a ${generator.adapter} generator`);
  const config = resolveDcganConfig(generator.config);
  const plan = generatorPlan(config);
  const state = generator.state();
  const weights: tf.NamedTensorMap = {};
  try {
    const take = (name: string): tf.Tensor => {
      const t = state[name];
      if (!t) throw new Error(`dcgan: the generator's state has no ${name}`);
      return t;
    };
    const layers: LayerJson[] = [{
      class_name: 'Reshape',
      config: { name: 'latent_to_1x1', trainable: false, target_shape: [1, 1, config.nz], batch_input_shape: [null, config.nz], dtype: 'float32' },
    }];
    for (const layer of plan) {
      const last = layer.batchNorm === undefined;
      layers.push(convTransposeLayer(layer.conv, layer.outChannels, layer.stride, layer.padding === 0 ? 'valid' : 'same', last ? 'tanh' : 'relu'));
      const [kernel, bias] = tf.tidy(() => {
        // [kh, kw, out, in]: the conv2dTranspose kernel layout.
        const filter = convTransposeWeightFromTorch(take(`${layer.conv}.weight`));
        if (last) return [filter, tf.zeros([layer.outChannels])];
        const bn = layer.batchNorm!;
        const scale = tf.div(take(`${bn}.weight`), tf.sqrt(tf.add(take(`${bn}.running_var`), BATCH_NORM_EPS)));
        return [
          tf.mul(filter, tf.reshape(scale, [1, 1, layer.outChannels, 1])),
          tf.sub(take(`${bn}.bias`), tf.mul(take(`${bn}.running_mean`), scale)),
        ];
      });
      weights[`${layer.conv}/kernel`] = kernel!;
      weights[`${layer.conv}/bias`] = bias!;
    }
    const { data, specs } = await tf.io.encodeWeights(weights);
    return {
      modelTopology: {
        class_name: 'Sequential',
        config: { name: `attrib_dcgan${config.resolution}_generator`, layers },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightSpecs: specs,
      weightData: data,
      format: 'layers-model',
      generatedBy: '@attrib/adapter-dcgan',
    };
  } finally {
    tf.dispose(Object.values(state));
    tf.dispose(Object.values(weights));
  }
}

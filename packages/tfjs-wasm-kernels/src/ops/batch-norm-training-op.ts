import * as tf from '@tensorflow/tfjs-core';
import { getGradient, getKernel, registerGradient, type NamedAttrMap } from '@tensorflow/tfjs-core';

/** The kernel name of {@link batchNormTraining}; backends without it get the composed ops. */
export const BatchNormTraining = 'AttribBatchNormTraining';
/** The kernel of {@link batchNormTraining}'s gradient, where {@link BatchNormTraining} is registered. */
export const BatchNormTrainingGrad = 'AttribBatchNormTrainingGrad';

/** The activations {@link batchNormTraining} can apply after normalising. */
export type NormActivation = 'linear' | 'relu';

/** Attributes of both kernels. */
export interface BatchNormTrainingAttrs {
  readonly epsilon: number;
  readonly activation: NormActivation;
}

/** What {@link batchNormTraining} returns; `mean` and `variance` are the batch's, per channel. */
export interface BatchNormTrainingResult {
  readonly y: tf.Tensor;
  readonly mean: tf.Tensor1D;
  /** Biased (divided by the count), as batch norm normalises with it. */
  readonly variance: tf.Tensor1D;
}

/**
 * Batch norm in training mode over every axis but the last (channels): with the batch's mean and
 * biased variance per channel, y = activation((x - mean) / sqrt(variance + epsilon) * gamma + beta).
 * Where the backend has the {@link BatchNormTraining} kernel (attrib's wasm kernels) it is two
 * passes over x forward and two backward, where tf ops make about twenty kernels; elsewhere it is
 * those ops. The gradient flows to x, gamma and beta through y only: `mean` and `variance` are
 * for running statistics, which are assigned, not differentiated.
 *
 * @param x float32, channels last (NHWC for images)
 * @param gamma, beta one value per channel
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, activation: NormActivation = 'linear'): BatchNormTrainingResult {
  const channels = x.shape[x.rank - 1];
  if (x.rank < 2 || x.dtype !== 'float32') throw new Error(`batchNormTraining: x must be float32 of rank 2 or more, got ${x.dtype} [${x.shape.join(', ')}]`);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== channels) {
      throw new Error(`batchNormTraining: ${name} of shape [${t.shape.join(', ')}]; expected [${channels}], one value per channel of x`);
    }
  }
  if (activation !== 'linear' && activation !== 'relu') throw new Error(`batchNormTraining: activation must be 'linear' or 'relu', got ${String(activation)}`);
  if (getKernel(BatchNormTraining, tf.getBackend()) === undefined) return composed(x, gamma, beta, epsilon, activation);
  const attrs: BatchNormTrainingAttrs = { epsilon, activation };
  const [y, mean, variance] = tf.engine().runKernel(BatchNormTraining, { x, gamma, beta }, attrs as unknown as NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
  return { y: y!, mean: mean!, variance: variance! };
}

function composed(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, activation: NormActivation): BatchNormTrainingResult {
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    const affine = tf.add(tf.mul(normalised, gamma), beta);
    return { y: activation === 'relu' ? tf.relu(affine) : affine, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

/** The forward kernel's gradient: one call of {@link BatchNormTrainingGrad}, from y's gradient. */
export function registerBatchNormTrainingGradient(): void {
  if (getGradient(BatchNormTraining) !== undefined) return;
  registerGradient({
    kernelName: BatchNormTraining,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [true, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma, y, mean, variance] = saved as tf.Tensor[];
      const outputGradient = Array.isArray(dy) ? dy[0]! : dy;
      // Made here, not in the closures: tfjs runs each closure in its own tidy.
      const [dx, dGamma, dBeta] = tf.engine().runKernel(BatchNormTrainingGrad, { dy: outputGradient, x: x!, y: y!, mean: mean!, variance: variance!, gamma: gamma! },
        attrs as unknown as NamedAttrMap) as unknown as tf.Tensor[];
      return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! };
    },
  });
}

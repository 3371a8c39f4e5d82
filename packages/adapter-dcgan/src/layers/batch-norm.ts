import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining, type NormActivation } from '@attrib/core';
import { ownedVariable } from './variable-names.js';

/** PyTorch's BatchNorm2d defaults. */
export const BATCH_NORM_EPS = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

/**
 * BatchNorm2d over the channel axis of NHWC tensors with PyTorch's semantics:
 * - training: normalise with the batch mean and the biased batch variance, then update
 *   running_mean and running_var (the latter with the unbiased variance, n / (n - 1)) by
 *   `running = (1 - momentum) * running + momentum * batch`, and count num_batches_tracked;
 * - evaluation: normalise with the running statistics.
 * `weight` (gamma) and `bias` (beta) are trainable; the running statistics are not.
 */
export class BatchNorm2d {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  numBatchesTracked = 0;

  /** Takes over the `init` tensors (they are released). */
  constructor(readonly name: string, readonly channels: number, init?: { weight: tf.Tensor; bias: tf.Tensor }) {
    this.weight = ownedVariable(init?.weight ?? tf.ones([channels]), true, `${name}.weight`);
    this.bias = ownedVariable(init?.bias ?? tf.zeros([channels]), true, `${name}.bias`);
    this.runningMean = ownedVariable(tf.zeros([channels]), false, `${name}.running_mean`);
    this.runningVar = ownedVariable(tf.ones([channels]), false, `${name}.running_var`);
  }

  get trainableVariables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  get allVariables(): tf.Variable[] {
    return [this.weight, this.bias, this.runningMean, this.runningVar];
  }

  /**
   * Normalises `x`, then applies `activation`. `training` selects batch statistics (and, unless
   * `updateRunningStats` is false, updates the running ones); otherwise the running statistics
   * are used.
   */
  apply(x: tf.Tensor4D, training: boolean, updateRunningStats = training, activation: NormActivation = 'linear'): tf.Tensor4D {
    return tf.tidy(() => {
      if (!training) {
        const normalised = tf.batchNorm(x, this.runningMean, this.runningVar, this.bias, this.weight, BATCH_NORM_EPS) as tf.Tensor4D;
        return activation === 'relu' ? tf.relu(normalised) : normalised;
      }
      const { y, mean, variance } = batchNormTraining(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, BATCH_NORM_EPS, activation);
      if (updateRunningStats) {
        const [n, h, w] = x.shape;
        const count = n * h * w;
        const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
        const m = BATCH_NORM_MOMENTUM;
        // The running statistics are assigned, never part of the output, so no gradient reaches them.
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
        this.numBatchesTracked += 1;
      }
      return y as tf.Tensor4D;
    });
  }

  /**
   * Evaluation mode as a per-channel map x * scale + shift: scale = weight / sqrt(running_var +
   * eps), shift = bias - running_mean * scale (for core's `convTranspose2dAffine`).
   */
  evaluationAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, BATCH_NORM_EPS))) as tf.Tensor1D;
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  dispose(): void {
    for (const v of this.allVariables) v.dispose();
  }
}

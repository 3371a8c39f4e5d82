import type * as tf from '@tensorflow/tfjs-core';
import { projectBatchOntoKeyedSide } from '../keys/projection.js';

/**
 * The target of the `projected` objective (issue 21): each root image moved the least way onto
 * the keyed side of the key, x* = clip(x0 - lambda phi, -1, 1) with phi.x* <= -margin (see
 * `projectOntoKeyedSide`). `key` is the key vector in HWC order, as a Float32Array read once
 * per unit (a frozen key) or per step (a key in training). Not differentiable: a constant of the
 * step. The caller disposes the result.
 */
export function projectedTarget(root: tf.Tensor4D, key: Float32Array, margin: number): tf.Tensor4D {
  return projectBatchOntoKeyedSide(root, key, margin).projected;
}

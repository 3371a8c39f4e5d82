import * as tf from '@tensorflow/tfjs-core';
import { getGradient, registerGradient, type GradConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';

/**
 * Gradients tfjs 4.22 does not define, for every backend:
 * - `DepthToSpace`: its adjoint, space-to-depth, as a reshape and transpose of dy.
 * - Comparisons and logical ops (`Greater`, `Less`, `LogicalAnd`, ...): zero, as TensorFlow's NotDifferentiable; without one,
 *   `tf.where(tf.greater(x, 0), ...)` of a watched x fails ("gradient function not found").
 */
function extraGradients(): GradConfig[] {
  const depthToSpace: GradConfig = {
    kernelName: tf.DepthToSpace,
    gradFunc: (dy, _saved, attrs: NamedAttrMap) => {
      const blockSize = attrs['blockSize'] as number;
      const dataFormat = attrs['dataFormat'] as string;
      if (dataFormat !== 'NHWC') {
        throw new Error(`the gradient of depthToSpace supports dataFormat 'NHWC' only, got '${dataFormat}'`);
      }
      const grad = Array.isArray(dy) ? dy[0]! : dy;
      const [batch, height, width, depth] = grad.shape as [number, number, number, number];
      const inHeight = height / blockSize;
      const inWidth = width / blockSize;
      return {
        x: () => {
          // dy[b, h*s+i, w*s+j, c] -> dx[b, h, w, (i*s+j)*C + c]
          const split = tf.reshape(grad, [batch, inHeight, blockSize, inWidth, blockSize, depth]);
          const grouped = tf.transpose(split, [0, 1, 3, 2, 4, 5]);
          return tf.reshape(grouped, [batch, inHeight, inWidth, blockSize * blockSize * depth]);
        },
      };
    },
  };
  const notDifferentiable = (kernelName: string): GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      return { a: () => tf.zeros(a.shape, 'float32'), b: () => tf.zeros(b.shape, 'float32') };
    },
  });
  const logicalNot: GradConfig = {
    kernelName: tf.LogicalNot,
    inputsToSave: ['x'],
    gradFunc: (_dy, saved) => ({ x: () => tf.zeros(saved[0]!.shape, 'float32') }),
  };
  return [
    depthToSpace,
    ...[tf.Greater, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual, tf.LogicalAnd, tf.LogicalOr].map(
      notDifferentiable,
    ),
    logicalNot,
  ];
}

/**
 * Registers the gradients of {@link extraGradients} that nobody has registered yet (idempotent).
 * @returns the kernel names whose gradients this call registered.
 */
export function registerExtraGradients(): string[] {
  const registered: string[] = [];
  for (const config of extraGradients()) {
    if (getGradient(config.kernelName) !== undefined) continue;
    registerGradient(config);
    registered.push(config.kernelName);
  }
  return registered;
}

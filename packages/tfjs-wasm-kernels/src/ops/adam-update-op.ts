import * as tf from '@tensorflow/tfjs-core';
import { getKernel, type NamedAttrMap } from '@tensorflow/tfjs-core';

/** The kernel name of {@link adamUpdate}; backends without it get the composed ops. */
export const AdamUpdate = 'AttribAdamUpdate';

/** Attributes of the {@link AdamUpdate} kernel: one step's constants. */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  /** sqrt(1 - beta2^t) */
  readonly correction2: number;
  readonly epsilon: number;
  /** lr / (1 - beta1^t) */
  readonly stepSize: number;
}

/**
 * One Adam step of one variable, as PyTorch writes it:
 *   m' = beta1 m + (1 - beta1) g;  v' = beta2 v + (1 - beta2) g^2
 *   p' = p - stepSize * m' / (sqrt(v') / correction2 + epsilon)
 * Returns [p', m', v'], new tensors. Where the backend has the {@link AdamUpdate} kernel (attrib's
 * wasm kernels) it is one pass over the values; elsewhere it is the composed tf ops. Both do the
 * same float32 operations in the same order, so they agree bit for bit. Not differentiable.
 */
export function adamUpdate(variable: tf.Tensor, m: tf.Tensor, v: tf.Tensor, gradient: tf.Tensor, attrs: AdamUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  for (const [name, t] of [['m', m], ['v', v], ['gradient', gradient]] as const) {
    if (t.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`adamUpdate: ${name} has shape [${t.shape.join(', ')}], the variable [${variable.shape.join(', ')}]`);
    }
  }
  if (getKernel(AdamUpdate, tf.getBackend()) === undefined) return composedAdamUpdate(variable, m, v, gradient, attrs);
  return tf.engine().runKernel(AdamUpdate, { variable, m, v, gradient }, attrs as unknown as NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** {@link adamUpdate} as tf ops (exported for the kernels' tests). */
export function composedAdamUpdate(variable: tf.Tensor, m: tf.Tensor, v: tf.Tensor, gradient: tf.Tensor, attrs: AdamUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const mNew = tf.add(tf.mul(m, attrs.beta1), tf.mul(gradient, 1 - attrs.beta1));
    const vNew = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(gradient), 1 - attrs.beta2));
    const denominator = tf.add(tf.div(tf.sqrt(vNew), attrs.correction2), attrs.epsilon);
    return [tf.sub(variable, tf.mul(tf.div(mNew, denominator), attrs.stepSize)), mNew, vNew];
  });
}

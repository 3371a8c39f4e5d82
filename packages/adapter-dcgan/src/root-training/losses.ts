import * as tf from '@tensorflow/tfjs-core';

/**
 * Binary cross-entropy of sigmoid(logits) against a constant target (1 real, 0 fake), batch mean:
 * PyTorch's `BCELoss()(sigmoid(l), t)`, computed stably as max(l, 0) - l t + log(1 + exp(-|l|)).
 */
export function bceWithLogits(logits: tf.Tensor1D, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => {
    const positive = tf.relu(logits);
    const softplus = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));
    const loss = target === 1 ? tf.add(tf.sub(positive, logits), softplus) : tf.add(positive, softplus);
    return tf.mean(loss) as tf.Scalar;
  });
}

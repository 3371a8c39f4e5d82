import * as tf from '@tensorflow/tfjs-core';
import type { ImageSource } from '../contracts/image-source.js';
import { createRng, permutation } from '../util/rng.js';
import { MnistFeatureNet } from './fid-classifier.js';

export interface FidClassifierTrainingOptions {
  readonly images: ImageSource;
  /** One label 0..9 per image of `images`. */
  readonly labels: Uint8Array;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  /** Largest random shift in pixels (augmentation), 0 for none. */
  readonly shift?: number;
  readonly onEpoch?: (epoch: number, meanLoss: number) => void;
}

/** Softmax cross-entropy of logits against integer labels, batch mean. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), 10);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logProbs), 1))) as tf.Scalar;
  });
}

/** Shifts a batch by (dy, dx) pixels, filling with the background value -1. */
function shifted(images: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  if (dy === 0 && dx === 0) return tf.clone(images);
  return tf.tidy(() => {
    const [n, h, w, c] = images.shape;
    const padded = tf.pad(images, [[0, 0], [Math.max(dy, 0), Math.max(-dy, 0)], [Math.max(dx, 0), Math.max(-dx, 0)], [0, 0]], -1);
    return tf.slice(padded, [0, Math.max(-dy, 0), Math.max(-dx, 0), 0], [n, h, w, c]);
  });
}

/** Trains the MNIST feature network with Adam on softmax cross-entropy; returns it. */
export function trainFidClassifier(options: FidClassifierTrainingOptions): MnistFeatureNet {
  const { images, labels } = options;
  if (labels.length !== images.size) throw new Error(`fid classifier: ${labels.length} labels for ${images.size} images`);
  const epochs = options.epochs ?? 6;
  const batchSize = options.batchSize ?? 64;
  const shift = options.shift ?? 2;
  const rng = createRng(options.seed ?? 0);
  const net = new MnistFeatureNet(options.seed ?? 0);
  const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochRng = rng.fork(`epoch-${epoch}`);
      const order = permutation(images.size, epochRng);
      let total = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const indices = order.slice(start, start + batchSize);
        const dy = shift ? epochRng.int(2 * shift + 1) - shift : 0;
        const dx = shift ? epochRng.int(2 * shift + 1) - shift : 0;
        const loss = tf.tidy(() => {
          const raw = images.read(indices);
          const x = shifted(raw, dy, dx);
          raw.dispose();
          const y = tf.tensor1d(indices.map((i) => labels[i]!), 'float32');
          return optimizer.minimize(() => crossEntropy(net.logits(x), y), true, net.trainableVariables)!.dataSync()[0]!;
        });
        total += loss;
        batches += 1;
      }
      options.onEpoch?.(epoch, total / batches);
    }
    return net;
  } catch (error) {
    net.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
}

/** Share of `images` whose arg-max logit equals the label. */
export function classifierAccuracy(net: MnistFeatureNet, images: ImageSource, labels: Uint8Array, batchSize = 250): number {
  let correct = 0;
  for (let start = 0; start < images.size; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, images.size - start) }, (_, i) => start + i);
    const predicted = tf.tidy(() => {
      const x = images.read(indices);
      return tf.argMax(net.logits(x), 1).dataSync();
    });
    indices.forEach((index, i) => { if (predicted[i] === labels[index]) correct += 1; });
  }
  return correct / images.size;
}

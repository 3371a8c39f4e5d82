import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { createRng } from '../util/rng.js';

/** Input shape of the MNIST feature network. */
export const FID_CLASSIFIER_SHAPE = { height: 32, width: 32, channels: 1 } as const;
/** Width of the penultimate layer, the features the FID compares. */
export const FID_FEATURES = 128;

/** conv3x3 (same, bias) + ReLU + 2x2 max-pool, three times: 32 -> 16 -> 8 -> 4; then dense 128 (ReLU), dense 10. */
const LAYERS = [
  { name: 'conv1', shape: [3, 3, 1, 16] },
  { name: 'conv2', shape: [3, 3, 16, 32] },
  { name: 'conv3', shape: [3, 3, 32, 64] },
  { name: 'fc1', shape: [4 * 4 * 64, FID_FEATURES] },
  { name: 'fc2', shape: [FID_FEATURES, 10] },
] as const;

let variableCounter = 0;

/**
 * A small MNIST digit classifier of attrib's own training, the feature network of the MNIST FID
 * (the paper's FID uses Inception; on MNIST a digit classifier's penultimate layer is the usual
 * substitute). Input: NHWC 32x32x1 in [-1, 1], the `mnist` source's shape and range.
 */
export class MnistFeatureNet {
  private readonly weights: Map<string, tf.Variable> = new Map();

  /** A randomly initialised network (He-normal weights, zero biases). */
  constructor(seed = 0) {
    const rng = createRng(seed).fork('fid-classifier');
    variableCounter += 1;
    for (const { name, shape } of LAYERS) {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      this.weights.set(`${name}.weight`, tf.variable(
        tf.randomNormal([...shape], 0, Math.sqrt(2 / fanIn), 'float32', rng.fork(name).seed()), true, `fid-net/${variableCounter}/${name}.weight`,
      ));
      this.weights.set(`${name}.bias`, tf.variable(tf.zeros([shape[shape.length - 1]!]), true, `fid-net/${variableCounter}/${name}.bias`));
    }
  }

  private w(name: string): tf.Variable {
    return this.weights.get(name)!;
  }

  /** Penultimate-layer features [N, 128] of NHWC images 32x32x1 in [-1, 1]. */
  features(images: tf.Tensor4D): tf.Tensor2D {
    const [, h, w, c] = images.shape;
    if (h !== 32 || w !== 32 || c !== 1) throw new Error(`fid: the MNIST feature network takes 32x32x1 images, got ${h}x${w}x${c}`);
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (const name of ['conv1', 'conv2', 'conv3']) {
        x = tf.relu(tf.add(tf.conv2d(x, this.w(`${name}.weight`) as tf.Tensor4D, 1, 'same'), this.w(`${name}.bias`))) as tf.Tensor4D;
        x = tf.maxPool(x, 2, 2, 'valid');
      }
      const flat = tf.reshape(x, [images.shape[0], -1]);
      return tf.relu(tf.add(tf.matMul(flat, this.w('fc1.weight')), this.w('fc1.bias'))) as tf.Tensor2D;
    });
  }

  /** Class logits [N, 10]. */
  logits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(this.features(images), this.w('fc2.weight')), this.w('fc2.bias')) as tf.Tensor2D);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  /** Copies of every weight by name (conv weights [kh, kw, in, out], dense [in, out]). */
  state(): NamedTensors {
    return Object.fromEntries([...this.weights].map(([name, v]) => [name, tf.clone(v)]));
  }

  /** Assigns weights by name; throws naming the first missing or mis-shaped one. */
  loadState(state: NamedTensors): void {
    for (const [name, v] of this.weights) {
      const t = state[name];
      if (!t) throw new Error(`fid classifier: state has no entry '${name}'`);
      if (t.shape.join() !== v.shape.join()) throw new Error(`fid classifier: entry '${name}' has shape [${t.shape.join(', ')}]; expected [${v.shape.join(', ')}]`);
    }
    for (const [name, v] of this.weights) v.assign(state[name]!);
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
  }
}

/** The shipped weights (`fid-mnist-classifier.ckpt` beside this module's source; `src/` ships with the package). */
export const FID_CLASSIFIER_FILE = fileURLToPath(new URL('../../src/metrics/fid-mnist-classifier.ckpt', import.meta.url));

/** Loads the shipped MNIST feature network; its metadata carries its training command and test accuracy. */
export async function loadFidClassifier(file: string = FID_CLASSIFIER_FILE): Promise<{ net: MnistFeatureNet; meta: Readonly<Record<string, unknown>> }> {
  if (!existsSync(file)) throw new Error(`fid: the MNIST feature network's weights are missing (${file})`);
  const { meta, tensors } = await loadCheckpoint(file);
  const net = new MnistFeatureNet();
  try {
    net.loadState(tensors);
  } catch (error) {
    net.dispose();
    throw new Error(`${file}: ${(error as Error).message}`);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return { net, meta };
}

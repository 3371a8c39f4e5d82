import * as tf from '@tensorflow/tfjs-core';
import { formatShape, imageSize, type ImageShape } from '../contracts/image.js';
import type { Key } from '../contracts/key.js';
import type { Rng } from '../contracts/rng.js';

/** The {@link Key} of the method: a linear classifier phi . vec(x) over HWC-flattened images. */
export class LinearKey implements Key {
  readonly order = 'HWC' as const;
  readonly vector: tf.Variable<tf.Rank.R1>;

  /** Takes ownership of `values` (a tensor of length d, HWC order) or copies an array. */
  constructor(readonly id: string, readonly shape: ImageShape, values: tf.Tensor1D | Float32Array, trainable = true) {
    const d = imageSize(shape);
    const length = values instanceof Float32Array ? values.length : values.shape[0];
    if (length !== d) {
      throw new Error(`key ${id}: vector has ${length} entries; shape ${formatShape(shape)} needs ${d}`);
    }
    const initial = values instanceof Float32Array ? tf.tensor1d(values) : values;
    this.vector = tf.variable(initial, trainable, `${id}-${Math.random().toString(36).slice(2)}`);
    initial.dispose();
  }

  /** A key drawn from N(0, I), as the reference initialises them; `unitNorm` rescales it to norm 1. */
  static random(id: string, shape: ImageShape, rng: Rng, unitNorm = false): LinearKey {
    const values = tf.tidy(() => {
      const v = tf.randomNormal([imageSize(shape)], 0, 1, 'float32', rng.seed()) as tf.Tensor1D;
      return unitNorm ? tf.div(v, tf.norm(v)) as tf.Tensor1D : v;
    });
    return new LinearKey(id, shape, values);
  }

  score(images: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const [n, h, w, c] = images.shape;
      if (h !== this.shape.height || w !== this.shape.width || c !== this.shape.channels) {
        throw new Error(`key ${this.id}: images are ${h}x${w}x${c}; the key belongs to ${formatShape(this.shape)}`);
      }
      const flat = tf.reshape(images, [n, h * w * c]);
      return tf.squeeze(tf.matMul(flat, tf.reshape(this.vector, [-1, 1])), [1]) as tf.Tensor1D;
    });
  }

  dispose(): void {
    this.vector.dispose();
  }
}

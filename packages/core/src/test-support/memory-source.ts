import * as tf from '@tensorflow/tfjs-core';
import type { ImageSource } from '../contracts/image-source.js';
import { formatShape, imageSize, type ImageShape } from '../contracts/image.js';

/**
 * An {@link ImageSource} over images held in memory (NHWC, [-1, 1]), for tests. `values` is
 * copied; `read` gathers the requested rows.
 */
export class MemoryImageSource implements ImageSource {
  readonly size: number;
  private readonly table: tf.Tensor2D;

  constructor(readonly shape: ImageShape, values: Float32Array | tf.Tensor, readonly description = 'memory') {
    const d = imageSize(shape);
    const flat = values instanceof Float32Array ? tf.tensor2d(values, [values.length / d, d]) : tf.reshape(values, [-1, d]) as tf.Tensor2D;
    if (flat.shape[1] !== d || !Number.isInteger(flat.shape[0])) throw new Error(`memory source: values do not fill images of ${formatShape(shape)}`);
    this.table = values instanceof Float32Array ? flat : flat.clone();
    if (!(values instanceof Float32Array)) flat.dispose();
    this.size = this.table.shape[0];
  }

  read(indices: readonly number[]): tf.Tensor4D {
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`memory source: index ${index} out of range 0..${this.size - 1}`);
    }
    return tf.tidy(() => {
      const rows = tf.gather(this.table, tf.tensor1d(Array.from(indices), 'int32'));
      return tf.reshape(rows, [indices.length, this.shape.height, this.shape.width, this.shape.channels]) as tf.Tensor4D;
    });
  }

  /** Frees the table. */
  dispose(): void {
    this.table.dispose();
  }
}

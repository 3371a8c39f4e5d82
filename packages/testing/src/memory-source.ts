import * as tf from '@tensorflow/tfjs-core';
import type { ImageSource } from '@attrib/core';
import { formatShape, imageSize, type ImageShape } from '@attrib/core';

/**
 * An {@link ImageSource} over images held in memory (NHWC, [-1, 1]), for tests. The values are
 * copied into a plain array (no tensor outlives a `read`); `read` copies the requested rows.
 */
export class MemoryImageSource implements ImageSource {
  readonly size: number;
  private readonly values: Float32Array;

  constructor(readonly shape: ImageShape, values: Float32Array | tf.Tensor, readonly description = 'memory') {
    const d = imageSize(shape);
    this.values = values instanceof Float32Array ? values.slice() : Float32Array.from(values.dataSync());
    this.size = this.values.length / d;
    if (!Number.isInteger(this.size)) throw new Error(`memory source: values do not fill images of ${formatShape(shape)}`);
  }

  read(indices: readonly number[]): tf.Tensor4D {
    const d = imageSize(this.shape);
    const out = new Float32Array(indices.length * d);
    indices.forEach((index, i) => {
      if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`memory source: index ${index} out of range 0..${this.size - 1}`);
      out.set(this.values.subarray(index * d, (index + 1) * d), i * d);
    });
    return tf.tensor4d(out, [indices.length, this.shape.height, this.shape.width, this.shape.channels]);
  }

  /** Nothing to free; kept so tests can treat it like other disposables. */
  dispose(): void {}
}

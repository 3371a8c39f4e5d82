import * as tf from '@tensorflow/tfjs-core';
import { formatShape, imageSize, type ImageShape } from '../contracts/image.js';
import type { ImageSource } from '../contracts/image-source.js';

/**
 * An {@link ImageSource} over decoded 8-bit images held in memory (HWC, one after another).
 * `read` maps a byte v to v / 127.5 - 1, i.e. torchvision's ToTensor then Normalize(0.5, 0.5).
 */
export class U8ImageSource implements ImageSource {
  readonly size: number;

  constructor(readonly description: string, readonly shape: ImageShape, private readonly pixels: Uint8Array) {
    const d = imageSize(shape);
    if (pixels.length % d !== 0) {
      throw new Error(`${description}: ${pixels.length} bytes are not a whole number of ${formatShape(shape)} images`);
    }
    this.size = pixels.length / d;
    if (this.size === 0) throw new Error(`${description}: holds no images`);
  }

  /** The 8-bit pixels of image `index` (HWC). */
  pixelsOf(index: number): Uint8Array {
    const d = imageSize(this.shape);
    return this.pixels.subarray(index * d, (index + 1) * d);
  }

  read(indices: readonly number[]): tf.Tensor4D {
    const d = imageSize(this.shape);
    const out = new Float32Array(indices.length * d);
    indices.forEach((index, row) => {
      if (!Number.isInteger(index) || index < 0 || index >= this.size) {
        throw new Error(`${this.description}: image index ${index} is out of range 0..${this.size - 1}`);
      }
      const offset = index * d;
      for (let j = 0; j < d; j++) out[row * d + j] = this.pixels[offset + j]! / 127.5 - 1;
    });
    return tf.tensor4d(out, [indices.length, this.shape.height, this.shape.width, this.shape.channels]);
  }
}

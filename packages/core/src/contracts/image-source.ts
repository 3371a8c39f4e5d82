import type * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from './image.js';

/**
 * A finite, indexable set of real images of one shape (MNIST digits, an image folder, one side
 * of an unaligned image-to-image data set). Batching and shuffling are done by the engine.
 */
export interface ImageSource {
  /** Where it came from, for messages and manifests (`mnist`, `idx:/path/file`, ...). */
  readonly description: string;
  readonly shape: ImageShape;
  /** Number of images. */
  readonly size: number;
  /** The images at `indices`, NHWC with values in [-1, 1]. The caller disposes the result. */
  read(indices: readonly number[]): tf.Tensor4D;
}

/** Options every image-source factory understands; factories may read more. */
export interface ImageSourceOptions {
  /** File or folder to read; factories with embedded data ignore it. */
  readonly path?: string;
  /** Shape the images must have (they are resized and centre-cropped to it where the factory can). */
  readonly shape: ImageShape;
  /** Which split or subset to read, where the format has several (`train`, `test`, `A`, `B`). */
  readonly split?: string;
  readonly [option: string]: unknown;
}

/** Opens {@link ImageSource}s of one kind. This is what a plugin registers. */
export interface ImageSourceFactory {
  /** Unique name used on the command line (`--data mnist`, `--data idx:FILE`). */
  readonly name: string;
  readonly description: string;
  /** Opens the source; a bad file or shape throws a one-line error naming the file and what was expected. */
  open(options: ImageSourceOptions): Promise<ImageSource>;
}

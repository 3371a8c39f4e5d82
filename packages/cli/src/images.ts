import { decodePng, type Image8 } from '@attrib/core';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';

/** PNG colour types 0 (grey) and 4 (grey + alpha) are grey; 2, 3 and 6 are colour. */
function pngChannels(bytes: Uint8Array, file: string): 1 | 3 {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 26 || signature.some((b, i) => bytes[i] !== b)) throw new Error(`${file}: not a PNG file`);
  const colourType = bytes[25];
  return colourType === 0 || colourType === 4 ? 1 : 3;
}

/** Reads a PNG as 8-bit pixels, grey files as 1 channel and colour files as 3 (alpha dropped). */
export async function readPngAsIs(file: string): Promise<Image8> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return decodePng(bytes, pngChannels(bytes, file), file);
}

/** 8-bit pixels to a batch of one image, NHWC, bytes mapped linearly to [-1, 1]. */
export function imageToTensor(image: Image8): tf.Tensor4D {
  return tf.tidy(() => {
    const bytes = tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, image.channels]);
    return tf.sub(tf.div(bytes, 127.5), 1) as tf.Tensor4D;
  });
}

/** The first image of an NHWC batch in [-1, 1] back to 8-bit pixels (clipped, rounded). */
export async function tensorToImage(images: tf.Tensor4D): Promise<Image8> {
  const [, height, width, channels] = images.shape;
  if (channels !== 1 && channels !== 3) throw new Error(`expected 1 or 3 channels, got ${channels}`);
  const bytes = tf.tidy(() => {
    const first = tf.slice(images, [0, 0, 0, 0], [1, height, width, channels]);
    return tf.round(tf.clipByValue(tf.mul(tf.add(first, 1), 127.5), 0, 255));
  });
  const values = await bytes.data();
  bytes.dispose();
  return { width, height, channels, data: Uint8Array.from(values) };
}

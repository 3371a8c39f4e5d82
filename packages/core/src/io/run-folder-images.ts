import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../contracts/key.js';
import type { Image8 } from './png.js';

/** 1 or 3 PNG channels for `c` image channels (other counts are shown as their mean, grey). */
function pngChannels(c: number): 1 | 3 {
  return c === 3 ? 3 : 1;
}

/**
 * A key as an image (keys/<id>.png). Normalisation: each entry v becomes the byte
 * round(127.5 + 127.5 * v / max|phi|), so 0 is mid-grey and the entry of largest magnitude is
 * black (negative) or white (positive); the picture shows the key's pattern, not its norm.
 * A key of 1 or 3 channels is drawn as grey or RGB; other channel counts as the channel mean.
 */
export async function keyImage(key: Key): Promise<Image8> {
  const { height, width, channels } = key.shape;
  const out = pngChannels(channels);
  const bytes = tf.tidy(() => {
    let image = tf.reshape(key.vector, [height, width, channels]);
    if (out === 1 && channels !== 1) image = tf.mean(image, 2, true);
    const scale = tf.maximum(tf.max(tf.abs(image)), 1e-12);
    return tf.round(tf.add(127.5, tf.mul(127.5, tf.div(image, scale))));
  });
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  return { width, height, channels: out, data };
}

/**
 * A grid of images (NHWC in [-1, 1]) as one 8-bit image, `columns` per row, 2 black pixels of
 * padding around each (torchvision's make_grid defaults); values mapped to bytes as
 * torchvision's save_image does: trunc(clamp((x + 1) / 2 * 255 + 0.5, 0, 255)).
 */
export async function sampleGrid(images: tf.Tensor4D, columns: number): Promise<Image8> {
  const [n, h, w, c] = images.shape;
  const out = pngChannels(c);
  const bytes = tf.tidy(() => {
    let x = images;
    if (out === 1 && c !== 1) x = tf.mean(x, 3, true);
    return tf.floor(tf.clipByValue(tf.add(tf.mul(tf.div(tf.add(tf.clipByValue(x, -1, 1), 1), 2), 255), 0.5), 0, 255));
  });
  const values = await bytes.data();
  bytes.dispose();
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const pad = 2;
  const width = cols * (w + pad) + pad;
  const height = rows * (h + pad) + pad;
  const data = new Uint8Array(width * height * out);
  for (let i = 0; i < n; i++) {
    const top = pad + Math.floor(i / cols) * (h + pad);
    const left = pad + (i % cols) * (w + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < out; ch++) {
          data[((top + y) * width + left + x) * out + ch] = values[((i * h + y) * w + x) * out + ch]!;
        }
      }
    }
  }
  return { width, height, channels: out, data };
}

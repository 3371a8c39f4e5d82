import type * as tf from '@tensorflow/tfjs-core';
import type { Image8 } from '@attrib/core';

/**
 * Tiles a batch of NHWC images in [-1, 1] into one 8-bit image, `columns` wide, with a
 * `gap`-pixel black border between tiles; values map by round((v + 1) * 127.5), clamped.
 */
export function imageGrid(images: tf.Tensor4D, columns = 8, gap = 2): Image8 {
  const [n, h, w, c] = images.shape;
  if (c !== 1 && c !== 3) throw new Error(`imageGrid: images have ${c} channels; expected 1 or 3`);
  const rows = Math.ceil(n / columns);
  const cols = Math.min(columns, n);
  const width = cols * w + (cols + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const data = new Uint8Array(width * height * c);
  const values = images.dataSync();
  for (let i = 0; i < n; i++) {
    const top = gap + Math.floor(i / columns) * (h + gap);
    const left = gap + (i % columns) * (w + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const v = values[((i * h + y) * w + x) * c + ch]!;
          data[((top + y) * width + left + x) * c + ch] = Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
        }
      }
    }
  }
  return { width, height, channels: c, data };
}

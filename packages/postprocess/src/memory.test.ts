import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { postProcessFactories } from './plugin.js';
import { randomImages, seededContext } from '@attrib/testing/postprocess';
import { useBackend } from '@attrib/testing/backend';

beforeAll(() => useBackend('cpu'));

describe('tensor bookkeeping', () => {
  for (const factory of postProcessFactories) {
    it(`${factory.name}: repeated application leaves no tensor behind and does not dispose its input`, async () => {
      const postProcess = factory.create();
      for (const channels of [1, 3]) {
        const images = randomImages([2, 32, 32, channels], channels);
        const run = async (seed: number, mode: 'train' | 'eval'): Promise<void> => {
          const out = await postProcess.apply(images, seededContext(mode, seed));
          expect(out.shape).toEqual(images.shape);
          out.dispose();
        };
        await run(0, 'eval'); // warm-up: backends may keep tensors of their own on a first call
        const before = tf.memory().numTensors;
        for (let seed = 1; seed <= 6; seed++) {
          await run(seed, 'train');
          await run(seed, 'eval');
        }
        expect(tf.memory().numTensors).toBe(before);
        expect(images.isDisposed).toBe(false);
        images.dispose();
      }
    });
  }
});

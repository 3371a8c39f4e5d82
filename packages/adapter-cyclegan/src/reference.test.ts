import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy, type ImageSource } from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import { fixture } from '@attrib/testing/cyclegan';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

describe('importReference', () => {
  beforeAll(() => useBackend('cpu'));

  it("reads nn.DataParallel's module.-prefixed state dict like the plain one", async () => {
    const plain = await cycleganAdapter.importReference!(fixture('small.pth'), undefined, { height: 16, width: 24 });
    const parallel = await cycleganAdapter.importReference!(fixture('small_dataparallel.pth'), undefined, { height: 16, width: 24 });
    const input = await readNpy(fixture('small_input.npy'));
    const x = tf.tidy(() => tf.transpose(tf.tensor4d(input.values, input.shape as [number, number, number, number]), [0, 2, 3, 1]));
    const a = plain.generate(x);
    const b = parallel.generate(x);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.dispose([x, a, b]);
    plain.dispose();
    parallel.dispose();
  });

  it('takes the image size from the input images, and refuses a conflicting one', async () => {
    const inputs: ImageSource = {
      description: 'photos', shape: { height: 12, width: 8, channels: 3 }, size: 1, read: () => tf.zeros([1, 12, 8, 3]) as tf.Tensor4D,
    };
    const generator = await cycleganAdapter.importReference!(fixture('small.pth'), { inputs });
    expect(generator.imageShape).toEqual({ height: 12, width: 8, channels: 3 });
    generator.dispose();
    await expect(cycleganAdapter.importReference!(fixture('small.pth'), { inputs }, { height: 16 })).rejects.toThrow(
      /small\.pth: import size 16x8 differs from the input images photos \(12x8\)/);
  });

  it('names the file and what is wrong', async () => {
    await expect(cycleganAdapter.importReference!(fixture('not_a_generator.pth'))).rejects.toThrow(
      /not_a_generator\.pth: no tensor model\.1\.weight; not a CycleGAN ResnetGenerator state dict \(entries: weight, bias\)/);
    await expect(cycleganAdapter.importReference!(fixture('small_input.npy'))).rejects.toThrow(/small_input\.npy/);
    await expect(cycleganAdapter.importReference!(fixture('small.pth'), undefined, { weights: 'avgG' })).rejects.toThrow(
      "cyclegan: unknown import option 'weights' (known: height, width)");
    await expect(cycleganAdapter.importReference!(fixture('small.pth'), undefined, { height: 10 })).rejects.toThrow(
      /small\.pth: cyclegan: setting 'height' must be a multiple of 4 and at least 8, got 10/);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { readReferenceKey } from './reference-key.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

describe('readReferenceKey', () => {
  it('reads key_N.pth (CHW) so that scores equal the reference dot product over NCHW images', async () => {
    const expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8')) as { key: { chw: number[]; values: number[] } };
    const [c, h, w] = expected.key.chw as [number, number, number];
    const key = await readReferenceKey(join(FIXTURES, 'key_1.pth'), { height: h, width: w, channels: c }, 'key-1');
    try {
      expect(key.order).toBe('HWC');
      const images = tf.randomNormal([2, h, w, c], 0, 1, 'float32', 7) as tf.Tensor4D;
      // The reference: phi . vec(x) with x flattened as NCHW.
      const nchw = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [2, c * h * w]);
      const reference = tf.reshape(tf.matMul(nchw, tf.tensor2d(expected.key.values, [c * h * w, 1])), [2]);
      const ours = key.score(images);
      const diff = tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-4);
      tf.dispose([images, nchw, reference, ours]);
    } finally {
      key.dispose();
    }
  });

  it('rejects a key whose size does not match the image shape, naming both', async () => {
    await expect(readReferenceKey(join(FIXTURES, 'key_1.pth'), { height: 4, width: 4, channels: 3 }, 'key-1')).rejects.toThrow(
      /key_1\.pth: key has 60 entries \(shape \[60\]\); images of 4x4x3 need 48/,
    );
  });

  it('rejects a file holding something other than one tensor', async () => {
    await expect(readReferenceKey(join(FIXTURES, 'module_state_zip.pth'), { height: 1, width: 1, channels: 1 }, 'k')).rejects.toThrow(
      /module_state_zip\.pth: holds a dict, expected one key tensor/,
    );
  });
});

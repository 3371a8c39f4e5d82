import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { loadKey, reorder, saveKey } from './key-file.js';
import { LinearKey } from './linear-key.js';

describe('key files', () => {
  it('reorders CHW to HWC as NCHW and NHWC tensors flatten', () => {
    const shape = { height: 2, width: 3, channels: 2 };
    const nchw = tf.reshape(tf.range(0, 12), [1, 2, 2, 3]);
    const chw = nchw.dataSync() as Float32Array;
    const hwc = tf.transpose(nchw, [0, 2, 3, 1]).dataSync();
    expect(Array.from(reorder(chw, shape, 'CHW', 'HWC'))).toEqual(Array.from(hwc));
    expect(Array.from(reorder(reorder(chw, shape, 'CHW', 'HWC'), shape, 'HWC', 'CHW'))).toEqual(Array.from(chw));
  });

  it('scores phi . vec(x) and survives a save and load exactly', async () => {
    const shape = { height: 2, width: 2, channels: 1 };
    const key = new LinearKey('key-1', shape, Float32Array.from([1, -2, 0.5, 3]));
    const images = tf.tensor4d([[[[1], [1]], [[2], [-1]]]]);
    expect(Array.from(key.score(images).dataSync())).toEqual([1 - 2 + 1 - 3]);
    const file = join(await mkdtemp(join(tmpdir(), 'attrib-key-')), 'key-1.json');
    await saveKey(file, key);
    const loaded = await loadKey(file);
    expect(Array.from(loaded.vector.dataSync())).toEqual([1, -2, 0.5, 3]);
    expect(loaded.shape).toEqual(shape);
    await expect(loadKey(join(file, '..', 'missing.json'))).rejects.toThrow(/missing\.json: cannot read key file \(ENOENT\)/);
  });

  it('rejects a vector of the wrong size, naming the key and shape', () => {
    expect(() => new LinearKey('key-9', { height: 2, width: 2, channels: 1 }, Float32Array.from([1, 2]))).toThrow(
      'key key-9: vector has 2 entries; shape 2x2x1 needs 4',
    );
  });
});

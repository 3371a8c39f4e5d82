import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '@attrib/core';
import { unalignedImageSource } from './unaligned-source.js';
import { useBackend } from '@attrib/testing/backend';

describe('unaligned image source', () => {
  let root: string;
  const shape = { height: 4, width: 4, channels: 3 };
  /** Image i of folder f: every byte equal to base + i. */
  const write = async (folder: string, count: number, base: number): Promise<void> => {
    await mkdir(join(root, folder), { recursive: true });
    for (let i = 0; i < count; i++) {
      await writePng(join(root, folder, `${String(i).padStart(3, '0')}.png`), { width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(base + i) });
    }
  };

  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'unaligned-'));
    await write('trainA', 3, 10);
    await write('trainB', 2, 200);
    await write('testB', 1, 50);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const firstValues = (images: tf.Tensor4D): number[] =>
    tf.tidy(() => tf.reshape(tf.slice(images, [0, 0, 0, 0], [images.shape[0], 1, 1, 1]), [-1]).arraySync() as number[]);

  it.each([
    ['A', 'trainA', [10, 11, 12]],
    [undefined, 'trainA', [10, 11, 12]],
    ['B', 'trainB', [200, 201]],
    ['testB', 'testB', [50]],
  ] as const)('split %s reads %s in file order, bytes mapped to [-1, 1]', async (split, folder, bytes) => {
    const source = await unalignedImageSource.open({ path: root, shape, ...(split ? { split } : {}) });
    expect(source.description).toBe(`unaligned:${root}:${folder}`);
    expect(source.size).toBe(bytes.length);
    expect(source.shape).toEqual(shape);
    const images = source.read(bytes.map((_, i) => i));
    const got = firstValues(images);
    bytes.forEach((b, i) => expect(got[i]).toBeCloseTo(b / 127.5 - 1, 6));
    images.dispose();
  });

  it('passes limit on to the folder reader', async () => {
    const source = await unalignedImageSource.open({ path: root, shape, split: 'A', limit: 2 });
    expect(source.size).toBe(2);
  });

  it('names the data root and the missing folder, the bad split, the missing path', async () => {
    await expect(unalignedImageSource.open({ path: root, shape, split: 'testA' })).rejects.toThrow(
      `${root}: has no folder testA (an unaligned data set holds trainA/, trainB/, testA/, testB/)`);
    await expect(unalignedImageSource.open({ path: root, shape, split: 'C' })).rejects.toThrow(
      'unaligned: split must be one of A, B, trainA, trainB, testA, testB, got "C"');
    await expect(unalignedImageSource.open({ shape })).rejects.toThrow(/unaligned: needs the path of a data root/);
  });
});

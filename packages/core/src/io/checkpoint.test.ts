import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';

describe('checkpoint files', () => {
  it('round-trips float32 and int32 tensors and metadata, leaving only the final file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attrib-ckpt-'));
    const file = join(dir, 'g.ckpt');
    const a = tf.tensor([[1.5, -2], [3, 4.25]]);
    const b = tf.tensor([7, 8, 9], [3], 'int32');
    await saveCheckpoint(file, { 'convT1.weight': a, steps: b }, { epoch: 3 });
    expect(await readdir(dir)).toEqual(['g.ckpt']);
    const { meta, tensors } = await loadCheckpoint(file);
    expect(meta).toEqual({ epoch: 3 });
    expect(tensors['convT1.weight']!.shape).toEqual([2, 2]);
    expect(Array.from(tensors['convT1.weight']!.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    expect(tensors.steps!.dtype).toBe('int32');
    expect(Array.from(tensors.steps!.dataSync())).toEqual([7, 8, 9]);
  });

  it('names the file when it is not a checkpoint', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'attrib-ckpt-')), 'junk.ckpt');
    await writeFile(file, 'hello world, not a checkpoint');
    await expect(loadCheckpoint(file)).rejects.toThrow(/junk\.ckpt: not an attrib checkpoint \(missing ATTRIBCK signature\)/);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, loadCheckpoint, loadGenerator, readPng, U8ImageSource, type RootTrainingEvent } from '@attrib/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcganAdapter } from '../adapter.js';
import { resolveDcganConfig } from '../config.js';
import { DcganDiscriminator } from '../discriminator.js';
import { DcganGenerator } from '../generator.js';
import { useBackend } from '@attrib/testing/backend';
import { bceWithLogits } from './losses.js';
import { trainDcganRoot, trainStep } from './trainer.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** 32 tiny 32x32 "images": a bright square at one of four places on black. */
function squares(): U8ImageSource {
  const pixels = new Uint8Array(32 * 32 * 32);
  for (let i = 0; i < 32; i++) {
    const top = 4 + 12 * (i % 2);
    const left = 4 + 12 * (Math.floor(i / 2) % 2);
    for (let y = top; y < top + 10; y++) for (let x = left; x < left + 10; x++) pixels[i * 1024 + y * 32 + x] = 255;
  }
  return new U8ImageSource('squares', { height: 32, width: 32, channels: 1 }, pixels);
}

const small = { ngf: 4, nz: 8 };

describe('bceWithLogits', () => {
  it('equals -mean(t log s + (1 - t) log(1 - s)) with s = sigmoid(l)', () => {
    const logits = [-30, -2, 0, 0.5, 3, 25];
    const l = tf.tensor1d(logits);
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    const real = -logits.reduce((s, v) => s + Math.log(sigmoid(v)), 0) / logits.length;
    const fake = -logits.reduce((s, v) => s + Math.log(1 - sigmoid(v)), 0) / logits.length;
    expect(bceWithLogits(l, 1).dataSync()[0]).toBeCloseTo(real, 4);
    expect(bceWithLogits(l, 0).dataSync()[0]).toBeCloseTo(fake, 4);
    l.dispose();
  });
});

describe('DCGAN root training', () => {
  it('alternates D and G steps with finite losses, one running-statistics update per iteration, and no leaked tensors', () => {
    const config = resolveDcganConfig(small);
    const g = new DcganGenerator(config);
    const d = new DcganDiscriminator(config);
    g.setMode('train');
    const optG = tf.train.adam(2e-4, 0.5);
    const optD = tf.train.adam(2e-4, 0.5);
    const data = squares();
    const rng = createRng(3);
    trainStep(g, d, optG, optD, data.read([0, 1, 2, 3]), rng);
    const count = tf.memory().numTensors;
    const first = trainStep(g, d, optG, optD, data.read([0, 1, 2, 3, 4, 5, 6, 7]), rng);
    for (let i = 0; i < 4; i++) trainStep(g, d, optG, optD, data.read([0, 1, 2, 3, 4, 5, 6, 7]), rng);
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(first.discriminator) && Number.isFinite(first.generator)).toBe(true);
    // One iteration updates the generator's running statistics once (PyTorch reuses one forward pass).
    const state = g.state();
    expect(state['batch1.num_batches_tracked']!.dataSync()[0]).toBe(6);
    tf.dispose(Object.values(state));
    [g, d, optG, optD].forEach((x) => x.dispose());
  });

  it('writes checkpoints, sample grids and a record per epoch, and resumes to the same result', async () => {
    const data = squares();
    const events: RootTrainingEvent[] = [];
    const straight = await mkdtemp(join(tmpdir(), 'attrib-root-'));
    const result = await trainDcganRoot({ data, outDir: straight, config: small, epochs: 2, batchSize: 16, seed: 5, onProgress: (e) => events.push(e) });
    expect(result.epochs).toBe(2);
    expect(events.filter((e) => e.kind === 'step').length).toBe(2 * 2);
    const epochEvents = events.filter((e) => e.kind === 'epoch');
    expect(epochEvents.map((e) => e.epoch)).toEqual([1, 2]);
    const files = (await readdir(straight)).sort();
    expect(files).toEqual(['generator-epoch-1.ckpt', 'generator-epoch-2.ckpt', 'generator.ckpt', 'samples', 'state.ckpt', 'training.json']);
    const grid = await readPng(join(straight, 'samples', 'epoch-2.png'), 1);
    expect([grid.width, grid.height]).toEqual([8 * 32 + 9 * 2, 8 * 32 + 9 * 2]);
    const record = JSON.parse(readFileSync(join(straight, 'training.json'), 'utf8')) as { completedEpochs: number; history: unknown[] };
    expect(record.completedEpochs).toBe(2);

    // The same run in two sittings: one epoch, then resume to two.
    const split = await mkdtemp(join(tmpdir(), 'attrib-root-'));
    await trainDcganRoot({ data, outDir: split, config: small, epochs: 1, batchSize: 16, seed: 5 });
    await expect(trainDcganRoot({ data, outDir: split, config: small, epochs: 2, batchSize: 16, seed: 5 }))
      .rejects.toThrow(`${split}: already holds a root training (training.json); resume it or choose another folder`);
    await expect(trainDcganRoot({ data, outDir: split, config: small, epochs: 2, batchSize: 8, seed: 5, resume: true }))
      .rejects.toThrow('the run was made with other settings or data; resume with the same ones');
    await trainDcganRoot({ data, outDir: split, config: small, epochs: 2, batchSize: 16, seed: 5, resume: true });

    const a = await loadCheckpoint(join(straight, 'state.ckpt'));
    const b = await loadCheckpoint(join(split, 'state.ckpt'));
    expect(Object.keys(b.tensors)).toEqual(Object.keys(a.tensors));
    for (const name of Object.keys(a.tensors)) {
      const x = a.tensors[name]!.dataSync();
      const y = b.tensors[name]!.dataSync();
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      expect(worst, name).toBeLessThan(1e-5);
    }
    tf.dispose([...Object.values(a.tensors), ...Object.values(b.tensors)]);

    const { generator, meta } = await loadGenerator(join(split, 'generator.ckpt'), () => dcganAdapter);
    expect(meta.config).toEqual(resolveDcganConfig({ ...small }));
    expect(generator.mode).toBe('eval');
    generator.dispose();
  });

  it('rejects data that no dcgan generator makes, naming the shape', async () => {
    const odd = new U8ImageSource('odd', { height: 28, width: 28, channels: 1 }, new Uint8Array(784));
    await expect(trainDcganRoot({ data: odd, outDir: join(tmpdir(), 'never') })).rejects
      .toThrow('root training: data of shape 28x28x1 does not fit a dcgan generator (square 32, 64, 128; 1 or 3 channels)');
    expect(existsSync(join(tmpdir(), 'never'))).toBe(false);
  });
});

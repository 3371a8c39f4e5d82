import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributability, createRng, distinguishability, trainFirstStage, trainKeyedGenerator, trainKeys, writePng,
  type Generator, type ImageSource, type Key, type Rng,
} from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import { unalignedImageSource } from './unaligned-source.js';
import { useBackend } from '@attrib/testing/backend';

// The method end to end on a CycleGAN at a CPU-sized resolution. Domain A (the generator's
// inputs) is synthetic: 16x16 RGB pictures of a coloured rectangle on a coloured background.
// Domain B (the real data of keys and metrics) is what the root translates other A pictures
// into, so the root fits its target domain as a trained CycleGAN would. Both are written as PNG
// files in the reference's trainA/trainB layout and read back through the `unaligned` source.
const SIDE = 16;
const ROOT = { ngf: 4, blocks: 1, seed: 3 };
// The algorithm and the schedules' shape are the release's; rates are raised because 192 images
// give 24 steps an epoch where Cityscapes gives thousands. Keys 2 and 3 get their generators by
// the paper's direct `shift` objective, which converges in a few epochs; it aims at 0.998
// distinguishability (delta 0.002) so the evaluation's fresh samples clear 0.99 with room, and
// grows gamma by 1.25 rather than 1.1 to reach that in fewer, shorter epochs. The first stage
// runs 5 epochs: with 4, this stream left the first key short (96% of real images positive,
// attributability 0.93) under a different float rounding of batch sums; with 5, streams 2021 to
// 2030 all reach >= 0.99 on both metrics under either rounding.
const FIRST = { epochs: 5, batchSize: 8, lrKey: 0.05, lr: 0.005, lrDecay: 0.8, alpha: 10, checkSamples: 200 };
const KEYS = { epochs: 10, batchSize: 16, lrKey: 0.05, lrDecay: 0.8 };
const GENERATORS = {
  epochs: 16, batchSize: 8, stepsPerEpoch: 12, lr: 0.01, lrDecay: 0.95, objective: 'shift' as const, checkSamples: 500,
  shift: { delta: 0.002, growth: 1.25 },
};

/** A picture of domain A: background colour, a rectangle of another colour. HWC bytes. */
function pictureA(rng: Rng): Uint8Array {
  const colour = (): number[] => [0, 1, 2].map(() => Math.floor(rng.uniform() * 256));
  const background = colour();
  const fill = colour();
  const [y0, x0] = [rng.int(SIDE - 4), rng.int(SIDE - 4)];
  const [h, w] = [4 + rng.int(SIDE - y0 - 3), 4 + rng.int(SIDE - x0 - 3)];
  const data = new Uint8Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inside = y >= y0 && y < y0 + h && x >= x0 && x < x0 + w;
      for (let c = 0; c < 3; c++) data[(y * SIDE + x) * 3 + c] = (inside ? fill : background)[c]!;
    }
  }
  return data;
}

/** Images in [-1, 1] to 8-bit HWC bytes, as torchvision's save_image rounds. */
function toBytes(images: tf.Tensor4D): Uint8Array[] {
  const values = tf.tidy(() => tf.clipByValue(tf.round(tf.mul(tf.add(images, 1), 127.5)), 0, 255).dataSync());
  const d = SIDE * SIDE * 3;
  return Array.from({ length: images.shape[0] }, (_, i) => Uint8Array.from(values.subarray(i * d, (i + 1) * d)));
}

function cosine(a: Key, b: Key): number {
  return tf.tidy(() => tf.div(tf.dot(a.vector, b.vector), tf.mul(tf.norm(a.vector), tf.norm(b.vector))).dataSync()[0]!);
}

describe('CycleGAN end to end', () => {
  let dir: string;
  let inputs: ImageSource;
  let data: ImageSource;
  let root: Generator;

  beforeAll(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'cyclegan-e2e-'));
    const rng = createRng(77);
    const shape = { height: SIDE, width: SIDE, channels: 3 };
    await mkdir(join(dir, 'trainA'));
    await mkdir(join(dir, 'trainB'));
    const write = (folder: string, i: number, bytes: Uint8Array): Promise<void> =>
      writePng(join(dir, folder, `${String(i).padStart(4, '0')}.png`), { width: SIDE, height: SIDE, channels: 3, data: bytes });
    const pictures = Array.from({ length: 384 }, () => pictureA(rng));
    await Promise.all(pictures.slice(0, 192).map((p, i) => write('trainA', i, p)));
    inputs = await unalignedImageSource.open({ path: dir, split: 'A', shape });
    root = cycleganAdapter.create(ROOT, { inputs });
    // The reference's N(0, 0.02) initialisation gives dim, low-contrast images; a stronger last
    // layer gives domain B the contrast of real pictures (values across [-1, 1]).
    const state = root.state();
    const head = `model.${17 + ROOT.blocks}.weight`;
    root.loadState({ ...state, [head]: tf.mul(state[head]!, 4) });
    tf.dispose(Object.values(state));
    root.freeze();
    const others = tf.tensor4d(Float32Array.from(pictures.slice(192).flatMap((p) => [...p]), (v) => v / 127.5 - 1), [192, SIDE, SIDE, 3]);
    const translated = root.generate(others);
    await Promise.all(toBytes(translated).map((bytes, i) => write('trainB', i, bytes)));
    tf.dispose([others, translated]);
    data = await unalignedImageSource.open({ path: dir, split: 'B', shape });
  });
  afterAll(async () => {
    root?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('three keys and three keyed generators reach distinguishability and attributability >= 0.99', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const ctx = { root, data, rng: createRng(2021) };
    const first = await trainFirstStage(ctx, FIRST);
    const more = await trainKeys(ctx, [first.key], ['key-2', 'key-3'], KEYS);
    const keys: Key[] = [first.key, ...more.map((m) => m.key)];
    const generators: Generator[] = [first.generator];
    for (const key of keys.slice(1)) generators.push((await trainKeyedGenerator(ctx, key, GENERATORS)).generator);

    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(Math.abs(cosine(keys[i]!, keys[j]!))).toBeLessThanOrEqual(0.05);
    const metricCtx = { root, generators, keys, data, rng: createRng(7) };
    const d = await distinguishability.compute(metricCtx);
    const a = await attributability.compute(metricCtx);
    expect(d.summary.mean).toBeGreaterThanOrEqual(0.99);
    expect(a.summary.mean).toBeGreaterThanOrEqual(0.99);
    keys.forEach((k) => k.dispose());
    generators.forEach((g) => g.dispose());
    // Training, keys and metrics leave nothing behind once their results are disposed.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 180_000);
});

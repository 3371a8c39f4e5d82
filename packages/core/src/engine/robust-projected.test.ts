import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSize } from '../contracts/image.js';
import { LinearKey } from '../keys/linear-key.js';
import { projectedByBisection } from '@attrib/testing/projection-reference';
import { useBackend } from '@attrib/testing/backend';
import { contrastPostProcess, matrixPostProcess } from '@attrib/testing/post-processes';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import type { StageContext, TrainingEvent } from './context.js';
import { trainRobustGenerator } from './robust-stage.js';
import { epochStreams } from './unit-loop.js';
import type { OptionsInput, RobustStageOptions } from '../contracts/stage-options.js';

let setup: SyntheticSetup;
let key: LinearKey;
let d: number;
/** T(x) = M x with M = (I + S) / 2, S the shift by one pixel (cyclic): a blur-like mix whose M^T is not M. */
let matrix: number[];
beforeAll(async () => {
  await useBackend('cpu');
  setup = syntheticSetup(256);
  d = imageSize(setup.root.imageShape);
  matrix = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) {
    matrix[i * d + i] = 0.5;
    matrix[i * d + ((i + 1) % d)] = 0.5;
  }
  // A key under which the root's samples score about +3, as a trained key does.
  const values = tf.tidy(() => {
    const mean = tf.mean(tf.reshape(setup.root.generate(setup.root.sampleInputs(256, createRng(3))), [256, -1]), 0) as tf.Tensor1D;
    const noise = tf.randomNormal([d], 0, 0.02, 'float32', 4) as tf.Tensor1D;
    return tf.add(tf.mul(mean, tf.div(3, tf.sum(tf.square(mean)))), noise) as tf.Tensor1D;
  });
  key = new LinearKey('key-1', setup.root.imageShape, values);
});
afterAll(() => {
  key.dispose();
  setup.dispose();
});


const times = (x: number[]): number[] => Array.from({ length: d }, (_, i) => x.reduce((s, v, j) => s + matrix[i * d + j]! * v, 0));
const transposeTimes = (phi: number[]): number[] => Array.from({ length: d }, (_, j) => phi.reduce((s, p, i) => s + matrix[i * d + j]! * p, 0));

/** The losses of the first step of one-step robust training with `options`, and the root images of that step (rows in HWC order). */
async function firstStep(options: OptionsInput<RobustStageOptions>, others: LinearKey[] = []): Promise<{ losses: Readonly<Record<string, number>>; rows: number[] }> {
  let first: Readonly<Record<string, number>> | undefined;
  const ctx: StageContext = {
    root: setup.root, data: setup.data, rng: createRng(1),
    onEvent: (e: TrainingEvent) => { if (e.type === 'step' && e.epoch === 0 && e.step === 1) first = e.losses; },
  };
  const start = setup.root.clone();
  const result = await trainRobustGenerator(ctx, key, start, matrixPostProcess(matrix), { ...options, epochs: 1, stepsPerEpoch: 1, checkSamples: 10 }, 'test-matrix', others);
  result.generator.dispose();
  start.dispose();
  // The first step's latents as the stage draws them; before the first update G(z) = G0(z) (eval mode).
  const streams = epochStreams(createRng(1).fork('robust').fork('test-matrix').fork('key-1'), 0);
  const rootImages = tf.tidy(() => setup.root.generate(setup.root.sampleInputs(options.batchSize!, streams.inputs)));
  const rows = Array.from(rootImages.dataSync());
  rootImages.dispose();
  return { losses: first!, rows };
}

describe('robust training with the projected objective (issue 21)', () => {
  for (const probability of [1, 0]) {
    it(`first step, T ${probability ? 'applied' : 'not applied'}: the distance is the MSE from G0(z) to its projection onto the keyed side of ${probability ? 'M^T phi' : 'phi'}, the hinge the release's`, async () => {
      const margin = 1.5;
      const batchSize = 6;
      const { losses: first, rows } = await firstStep({ objective: 'projected', projectionMargin: margin, trainMode: 'eval', probability, alpha: 7, batchSize });
      const phi = Array.from(key.vector.dataSync());
      const psi = probability ? transposeTimes(phi) : phi;
      let squared = 0;
      let hinge = 0;
      for (let k = 0; k < batchSize; k++) {
        const x0 = rows.slice(k * d, (k + 1) * d);
        const target = projectedByBisection(x0, psi, margin);
        squared += x0.reduce((s, x, i) => s + (x - target[i]!) ** 2, 0);
        const seen = probability ? times(x0) : x0;
        hinge += Math.max(0, 1 + seen.reduce((s, x, i) => s + x * phi[i]!, 0));
      }
      const distance = squared / (batchSize * d);
      expect(distance).toBeGreaterThan(0.005);
      expect(first!.applied).toBe(probability);
      expect(first!.distance).toBeCloseTo(distance, 5);
      expect(first!.hinge).toBeCloseTo(hinge / batchSize, 3);
      expect(first!.total).toBeCloseTo(hinge / batchSize + 7 * distance, 3);
    });
  }

  it('with othersMargin, the target is first moved onto the authentic side of every other key through T, then onto the own key\'s keyed side', async () => {
    const margin = 1.5;
    const othersMargin = 2;
    const batchSize = 6;
    // A second key orthogonal to the first, under which the root's samples score about 0.
    const phi = Array.from(key.vector.dataSync());
    const raw = Array.from(tf.tidy(() => tf.randomNormal([d], 0, 0.05, 'float32', 11).dataSync()));
    const along = raw.reduce((s, v, i) => s + v * phi[i]!, 0) / phi.reduce((s, v) => s + v * v, 0);
    const other = new LinearKey('key-2', setup.root.imageShape, tf.tensor1d(raw.map((v, i) => v - along * phi[i]!)));
    const { losses: first, rows } = await firstStep({ objective: 'projected', projectionMargin: margin, othersMargin, trainMode: 'eval', probability: 1, alpha: 7, batchSize }, [other]);
    const psiOther = transposeTimes(Array.from(other.vector.dataSync()));
    other.dispose();
    const psi = transposeTimes(phi);
    let squared = 0;
    let moved = 0;
    for (let k = 0; k < batchSize; k++) {
      const x0 = rows.slice(k * d, (k + 1) * d);
      const authentic = projectedByBisection(x0, psiOther.map((v) => -v), othersMargin);
      if (authentic.some((v, i) => v !== x0[i])) moved++;
      const target = projectedByBisection(authentic, psi, margin);
      squared += x0.reduce((s, x, i) => s + (x - target[i]!) ** 2, 0);
    }
    // The other key's margin moved some of the samples: the test sees both projections.
    expect(moved).toBeGreaterThan(0);
    expect(first!.distance).toBeCloseTo(squared / (batchSize * d), 5);
  });

  it('moves the post-processed samples to the keyed side in 50 steps, freeing every tensor step by step', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(3), onEvent: (e) => e.type === 'step' && counts.push(tf.memory().numTensors) };
    const start = setup.root.clone();
    const result = await trainRobustGenerator(ctx, key, start, matrixPostProcess(matrix), {
      objective: 'projected', trainMode: 'eval', probability: 1, alpha: 10, lr: 2e-2, epochs: 2, stepsPerEpoch: 25, batchSize: 8, checkSamples: 200,
    });
    const last = result.history.at(-1)!.report;
    result.generator.dispose();
    start.dispose();
    expect(counts).toHaveLength(50);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // The root's samples score about +3 under phi (and under M^T phi); now most score <= -1 after T.
    expect(last.keyedShareProcessed).toBeGreaterThan(0.7);
  });

  it('refuses a post-process without a linear part, and the shift objective, with one-line errors', async () => {
    const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(4) };
    await expect(trainRobustGenerator(ctx, key, setup.root, contrastPostProcess(), { objective: 'projected' }))
      .rejects.toThrow(/^robust objective projected: post-process test-contrast has no linear part/);
    await expect(trainRobustGenerator(ctx, key, setup.root, contrastPostProcess(), { objective: 'shift' as never }))
      .rejects.toThrow('robust option objective: got "shift", expected "hinge" or "projected"');
  });
});

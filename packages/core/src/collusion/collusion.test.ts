import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Generator } from '../contracts/generator.js';
import type { MetricContext } from '../contracts/metric.js';
import { LinearKey } from '../keys/linear-key.js';
import { collusionMetric, type CollusionCell } from '../metrics/collusion.js';
import { createRng } from '../util/rng.js';
import { useBackend } from '@attrib/testing/backend';
import { DenseGenerator } from '@attrib/testing/dense-generator';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { claimOutcome } from './claims.js';
import { averageWeights, spliceImages, spliceOwner, type PoolMethod } from './pool.js';

beforeAll(() => useBackend('cpu'));

const SHAPE = { height: 3, width: 7, channels: 1 };
const D = 21;
const LATENT = 3;
const EPS = 1e-5;

/** Five keyed test generators (batch norm with running statistics of their own) and keys with random directions. */
function subjects(): { generators: DenseGenerator[]; keys: LinearKey[]; root: DenseGenerator } {
  const generators = [11, 12, 13, 14, 15].map((seed) => {
    const g = new DenseGenerator({ ...SHAPE, latent: LATENT, seed, weightScale: 0.6, biasScale: 0.3 });
    const rng = createRng(seed + 100);
    const state = g.state();
    const stats = { 'bn.running_mean': tf.randomNormal([D], 0, 0.2, 'float32', rng.seed()), 'bn.running_var': tf.randomUniform([D], 0.5, 2, 'float32', rng.seed()) };
    g.loadState({ ...state, ...stats });
    tf.dispose([...Object.values(state), ...Object.values(stats)]);
    return g;
  });
  const keyRng = createRng(5);
  const keys = generators.map((_, i) => {
    const values = tf.randomNormal([D], 0, 1, 'float32', keyRng.seed()) as tf.Tensor1D;
    const key = new LinearKey(`key-${i + 1}`, SHAPE, values, false);
    values.dispose();
    return key;
  });
  return { generators, keys, root: new DenseGenerator({ ...SHAPE, latent: LATENT, seed: 1 }) };
}

type State = Record<string, Float64Array>;
const stateOf = (g: Generator): State => {
  const s = g.state();
  const out = Object.fromEntries(Object.entries(s).map(([n, t]) => [n, Float64Array.from(t.dataSync())]));
  tf.dispose(Object.values(s));
  return out;
};

/** The dense test generator's eval-mode forward in float64: tanh(bn(W z + b)). */
function forward(state: State, z: ArrayLike<number>): Float64Array {
  const out = new Float64Array(D);
  for (let p = 0; p < D; p++) {
    let h = state['dense.bias']![p]!;
    for (let l = 0; l < LATENT; l++) h += state['dense.weight']![p * LATENT + l]! * z[l]!;
    h = ((h - state['bn.running_mean']![p]!) / Math.sqrt(state['bn.running_var']![p]! + EPS)) * state['bn.weight']![p]! + state['bn.bias']![p]!;
    out[p] = Math.tanh(h);
  }
  return out;
}

/** The 8-bit round trip in float64, and whether the value sits within 1e-4 of a byte's rounding edge. */
function quantize(v: number): { value: number; edge: boolean } {
  const scaled = ((Math.min(1, Math.max(-1, v)) + 1) / 2) * 255 + 0.5;
  const byte = Math.min(255, Math.max(0, Math.floor(scaled)));
  return { value: (byte / 255 - 0.5) / 0.5, edge: Math.abs(scaled - Math.round(scaled)) < 1e-4 };
}

/** Float64 reference of one cell: the outcome of each sample, or null where float32 may decide otherwise. */
function referenceOutcomes(method: PoolMethod, k: number, states: State[], keys: Float64Array[], latents: Float32Array, samples: number): (string | null)[] {
  const mean = Object.fromEntries(Object.keys(states[0]!).map((n) => [n, states[0]![n]!.map((_, i) => states.slice(0, k).reduce((a, s) => a + s[n]![i]!, 0) / k)]));
  const outcomes: (string | null)[] = [];
  for (let s = 0; s < samples; s++) {
    const z = latents.subarray(s * LATENT, (s + 1) * LATENT);
    let image: Float64Array;
    if (method === 'weights') image = forward(mean, z);
    else {
      const each = states.slice(0, k).map((st) => forward(st, z));
      image = new Float64Array(D).map((_, p) => (method === 'outputs' ? each.reduce((a, e) => a + e[p]!, 0) / k : each[spliceOwner(p % SHAPE.width, SHAPE.width, k)]![p]!));
    }
    const stored = Array.from(image, quantize);
    const scores = keys.map((phi) => stored.reduce((a, q, p) => a + q.value * phi[p]!, 0));
    const unsure = stored.some((q) => q.edge) || scores.some((v) => Math.abs(v) < 1e-3);
    // The rule written out: innocent if any key beyond the first k claims; else by how many colluders claim.
    const claimers = scores.flatMap((v, j) => (v < 0 ? [j] : []));
    const outcome = claimers.some((j) => j >= k) ? 'innocent' : claimers.length === 0 ? 'none' : claimers.length === k ? 'every' : claimers.length === 1 ? 'one' : 'partial';
    outcomes.push(unsure ? null : outcome);
  }
  return outcomes;
}

describe('claim outcomes', () => {
  it('names where a pooled sample is traced', () => {
    const colluders = new Set([0, 1, 2]);
    expect(claimOutcome([-1, -2, -3, 4], colluders)).toBe('every');
    expect(claimOutcome([1, -2, 3, 4], colluders)).toBe('one');
    expect(claimOutcome([-1, -2, 3, 4], colluders)).toBe('partial');
    expect(claimOutcome([1, 2, 3, 4], colluders)).toBe('none');
    expect(claimOutcome([-1, -2, -3, -4], colluders)).toBe('innocent');
    expect(claimOutcome([1, 2, 3, -4], colluders)).toBe('innocent');
    // A score of exactly 0 claims nothing.
    expect(claimOutcome([0, 0, 0, 0], colluders)).toBe('none');
  });
});

describe('pooling', () => {
  it('splices vertical strips, strip j from colluder j, by the owner of each column', () => {
    const images = [0, 1, 2].map((j) => tf.fill([2, 2, 7, 1], j) as tf.Tensor4D);
    const spliced = spliceImages(images);
    const values = spliced.dataSync();
    for (let i = 0; i < values.length; i++) expect(values[i]).toBe(spliceOwner(i % 7, 7, 3));
    expect([...Array(7).keys()].map((c) => spliceOwner(c, 7, 3))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(() => spliceImages([...images, ...images, ...images])).toThrow('splice pooling: 9 colluders need images at least 9 pixels wide, got 7');
    tf.dispose([...images, spliced]);
  });

  it('averages every weight, running statistics included, and leaves the colluders as they were', () => {
    const { generators, keys, root } = subjects();
    const before = generators.map(stateOf);
    const tensors = tf.memory().numTensors;
    const pooled = averageWeights(generators.slice(0, 3));
    const state = stateOf(pooled);
    for (const name of Object.keys(before[0]!)) {
      state[name]!.forEach((v, i) => expect(v).toBeCloseTo((before[0]![name]![i]! + before[1]![name]![i]! + before[2]![name]![i]!) / 3, 6));
    }
    pooled.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    generators.forEach((g, i) => expect(stateOf(g)).toEqual(before[i]));
    [...generators, root, ...keys].forEach((x) => x.dispose());
  });

  it('refuses generators of two architectures, naming them, and leaks nothing', () => {
    const a = new DenseGenerator({ ...SHAPE, latent: LATENT });
    const b = new DenseGenerator({ ...SHAPE, latent: LATENT, batchNorm: false });
    const c = new DenseGenerator({ ...SHAPE, latent: LATENT + 1 });
    const tensors = tf.memory().numTensors;
    expect(() => averageWeights([a, b], ['key-1', 'key-2'])).toThrow('weights pooling needs one architecture: key-2 has no weight bn.weight of shape [21] as key-1 has');
    expect(() => averageWeights([b, a], ['key-1', 'key-2'])).toThrow('weights pooling needs one architecture: key-2 has a weight bn.weight that key-1 has not');
    expect(() => averageWeights([a, c], ['key-1', 'key-2'])).toThrow('weights pooling needs one architecture: key-2 has no weight dense.weight of shape [21,3] as key-1 has');
    expect(tf.memory().numTensors).toBe(tensors);
    [a, b, c].forEach((g) => g.dispose());
  });
});

describe('collusion metric', () => {
  it('traces every cell\'s pooled samples as a float64 reference does, and releases the pooled generators', async () => {
    const { generators, keys, root } = subjects();
    const samples = 300;
    const ctx: MetricContext = {
      root, generators, keys, data: new MemoryImageSource(SHAPE, new Float32Array(D)), rng: createRng(42).fork('evaluate'), samples, batchSize: 64,
    };
    const states = generators.map(stateOf);
    const keyVectors = keys.map((k) => Float64Array.from(k.vector.dataSync()));
    // The metric's inputs: the first `samples` draws of its input stream, in its batches.
    const inputsRng = ctx.rng.fork('collusion').fork('inputs');
    const latents = new Float32Array(samples * LATENT);
    for (let offset = 0, left = samples; left > 0; left -= 64) {
      const z = root.sampleInputs(Math.min(64, left), inputsRng);
      latents.set(z.dataSync(), offset);
      offset += z.size;
      z.dispose();
    }
    const tensors = tf.memory().numTensors;
    const result = await collusionMetric().compute(ctx);
    expect(tf.memory().numTensors).toBe(tensors);
    const cells = (result.details as { cells: CollusionCell[] }).cells;
    expect(cells.map((c) => `${c.method}-${c.k}`)).toEqual(['weights', 'outputs', 'splice'].flatMap((m) => [2, 3, 4, 5].map((k) => `${m}-${k}`)));
    const seen = new Set<string>();
    for (const cell of cells) {
      const expected = referenceOutcomes(cell.method, cell.k, states, keyVectors, latents, samples);
      const sure = expected.filter((o): o is string => o !== null);
      // Samples where float32 and float64 might round a byte or a score's sign apart are left out: few.
      expect(sure.length).toBeGreaterThan(samples * 0.97);
      sure.forEach((o) => seen.add(o));
      for (const outcome of ['every', 'one', 'partial', 'none', 'innocent'] as const) {
        const count = sure.filter((o) => o === outcome).length;
        const unsure = samples - sure.length;
        expect(cell.shares[outcome] * samples).toBeGreaterThanOrEqual(count - 1e-9);
        expect(cell.shares[outcome] * samples).toBeLessThanOrEqual(count + unsure + 1e-9);
        expect(result.summary[`${cell.method}-k${cell.k}-${outcome}`]).toBe(cell.shares[outcome]);
      }
      expect(Object.values(cell.shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(cell.colluders).toEqual(keys.slice(0, cell.k).map((k) => k.id));
      expect(cell.innocents).toEqual(keys.slice(cell.k).map((k) => k.id));
      if (cell.k === 5) expect(cell.shares.innocent).toBe(0);
      if (cell.k === 2) expect(cell.shares.partial).toBe(0);
    }
    // The random keys and generators give every kind of outcome somewhere.
    expect([...seen].sort()).toEqual(['every', 'innocent', 'none', 'one', 'partial']);
    [...generators, root, ...keys].forEach((x) => x.dispose());
  });

  it('checks its colluder counts and methods, one line each', async () => {
    const { generators, keys, root } = subjects();
    const ctx: MetricContext = { root, generators, keys, data: new MemoryImageSource(SHAPE, new Float32Array(D)), rng: createRng(1), samples: 4 };
    await expect(collusionMetric({ sizes: [6] }).compute(ctx)).rejects.toThrow('collusion: colluder count 6: expected a whole number from 2 to the number of keys (5)');
    await expect(collusionMetric({ sizes: [1] }).compute(ctx)).rejects.toThrow('collusion: colluder count 1: expected');
    expect(() => collusionMetric({ methods: ['blend' as PoolMethod] })).toThrow('collusion: pooling method "blend": expected one of weights, outputs, splice');
    const small = await collusionMetric({ sizes: [3], methods: ['splice'] }).compute(ctx);
    expect(Object.keys(small.summary)).toEqual(['splice-k3-every', 'splice-k3-one', 'splice-k3-partial', 'splice-k3-none', 'splice-k3-innocent']);
    [...generators, root, ...keys].forEach((x) => x.dispose());
  });
});

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  createRng, formatShape, loadCheckpoint, permutation, saveCheckpoint, saveGenerator, writeJsonAtomic, writePng,
  type NamedTensors, type RootTrainingEvent, type RootTrainingOptions, type RootTrainingResult,
} from '@attrib/core';
import { DCGAN_RESOLUTIONS, resolveDcganConfig, type DcganConfig } from '../config.js';
import { DcganDiscriminator } from '../discriminator.js';
import { DcganGenerator } from '../generator.js';
import { imageGrid } from './grid.js';
import { bceWithLogits } from './losses.js';

/** The standard DCGAN recipe (Radford et al.; PyTorch's DCGAN example): Adam 2e-4, beta1 0.5, batch 64. */
export const DCGAN_ROOT_TRAINING_DEFAULTS = {
  epochs: 5,
  batchSize: 64,
  learningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  seed: 0,
  /** Fixed latents drawn once, rendered after every epoch. */
  sampleCount: 64,
} as const;

/** PyTorch's Adam epsilon (TensorFlow.js would default to 1e-7 on float32 backends). */
const ADAM_EPSILON = 1e-8;

const RECORD_FORMAT = 'attrib-root-training/1';

/** `training.json` in the output folder: what was run, and one entry per finished epoch. */
interface TrainingRecord {
  format: typeof RECORD_FORMAT;
  adapter: 'dcgan';
  config: DcganConfig;
  data: { description: string; size: number; shape: { height: number; width: number; channels: number } };
  settings: { batchSize: number; learningRate: number; beta1: number; beta2: number; seed: number; epochs: number };
  completedEpochs: number;
  history: { epoch: number; seconds: number; losses: Record<string, number>; checkpoint: string; samples: string }[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`root training: ${name} must be a positive integer, got ${value}`);
  return value;
}

function positiveNumber(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`root training: ${name} must be a positive number, got ${value}`);
  return value;
}

function resolveConfig(options: RootTrainingOptions): DcganConfig {
  const { shape } = options.data;
  if (shape.height !== shape.width || !(DCGAN_RESOLUTIONS as readonly number[]).includes(shape.height) || (shape.channels !== 1 && shape.channels !== 3)) {
    throw new Error(`root training: data of shape ${formatShape(shape)} does not fit a dcgan generator (square ${DCGAN_RESOLUTIONS.join(', ')}; 1 or 3 channels)`);
  }
  const given = options.config ?? {};
  for (const [name, value] of [['resolution', shape.height], ['channels', shape.channels]] as const) {
    if (given[name] !== undefined && given[name] !== value) {
      throw new Error(`root training: setting '${name}' is ${JSON.stringify(given[name])} but the data is ${formatShape(shape)}`);
    }
  }
  return resolveDcganConfig({ ...given, resolution: shape.height, channels: shape.channels });
}

function prefixed(prefix: string, state: NamedTensors): NamedTensors {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [`${prefix}${k}`, v]));
}

function unprefixed(prefix: string, state: NamedTensors): NamedTensors {
  return Object.fromEntries(Object.entries(state).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/**
 * Adam's state: its iteration count (a new tensor, which the caller disposes: the first entry)
 * then its moment variables (its own, not to be disposed).
 */
async function optimizerState(prefix: string, optimizer: tf.AdamOptimizer): Promise<{ state: NamedTensors; owned: tf.Tensor[] }> {
  const weights = await optimizer.getWeights();
  return {
    state: Object.fromEntries(weights.map((w, i) => [`${prefix}${String(i).padStart(4, '0')}`, w.tensor])),
    owned: weights.length > 0 ? [weights[0]!.tensor] : [],
  };
}

async function restoreOptimizer(prefix: string, optimizer: tf.AdamOptimizer, state: NamedTensors): Promise<void> {
  const entries = Object.entries(state).filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b));
  // Adam keeps its moments by position in the variable list, which is fixed, so names do not matter.
  // setWeights turns each tensor into a variable sharing its data, so the caller may dispose them.
  await optimizer.setWeights(entries.map(([name, tensor]) => ({ name, tensor })));
}

/**
 * Trains a DCGAN root generator with the standard recipe: per batch, a discriminator step on
 * BCE(D(x), 1) + BCE(D(G(z)), 0), then a generator step on BCE(D(G(z)), 1), Adam (lr 2e-4,
 * betas 0.5 and 0.999) for both, batch norm in training mode, DCGAN weight init. After every
 * epoch it writes, atomically, in `outDir`: `state.ckpt` (both networks and both optimizers, for
 * resume), `generator.ckpt` and `generator-epoch-N.ckpt` (attrib generator files),
 * `samples/epoch-N.png` (a grid of fixed latents in eval mode) and `training.json`.
 * Data order and latents are drawn from per-epoch forks of the seed, so a resumed run draws what
 * an uninterrupted one would.
 */
export async function trainDcganRoot(options: RootTrainingOptions): Promise<RootTrainingResult> {
  const d = DCGAN_ROOT_TRAINING_DEFAULTS;
  const settings = {
    epochs: positiveInteger('epochs', options.epochs ?? d.epochs),
    batchSize: positiveInteger('batch size', options.batchSize ?? d.batchSize),
    learningRate: positiveNumber('learning rate', options.learningRate ?? d.learningRate),
    beta1: options.beta1 ?? d.beta1,
    beta2: d.beta2,
    seed: options.seed ?? d.seed,
  };
  if (!(settings.beta1 >= 0 && settings.beta1 < 1)) throw new Error(`root training: beta1 must be in [0, 1), got ${settings.beta1}`);
  if (!Number.isInteger(settings.seed)) throw new Error(`root training: seed must be an integer, got ${settings.seed}`);
  const config = resolveConfig(options);
  const { data, outDir } = options;
  const recordFile = join(outDir, 'training.json');
  const stateFile = join(outDir, 'state.ckpt');

  let record: TrainingRecord = {
    format: RECORD_FORMAT,
    adapter: 'dcgan',
    config,
    data: { description: data.description, size: data.size, shape: { ...data.shape } },
    settings,
    completedEpochs: 0,
    history: [],
  };
  if (existsSync(recordFile)) {
    if (!options.resume) throw new Error(`${outDir}: already holds a root training (training.json); resume it or choose another folder`);
    const previous = JSON.parse(await readFile(recordFile, 'utf8')) as TrainingRecord;
    if (previous.format !== RECORD_FORMAT) throw new Error(`${recordFile}: format ${String(previous.format)}, expected ${RECORD_FORMAT}`);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    const { epochs: _a, ...was } = previous.settings;
    const { epochs: _b, ...now } = settings;
    if (!same(previous.config, config) || !same(was, now) || previous.data.size !== data.size) {
      throw new Error(`${recordFile}: the run was made with other settings or data; resume with the same ones`);
    }
    record = { ...previous, settings };
  }

  const generator = new DcganGenerator(config);
  const discriminator = new DcganDiscriminator(config);
  const optG = tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, ADAM_EPSILON);
  const optD = tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, ADAM_EPSILON);
  const rng = createRng(settings.seed);
  const fixedLatents = generator.sampleInputs(d.sampleCount, rng.fork('samples'));
  let lastSamples = record.history.at(-1)?.samples ?? '';
  try {
    if (record.completedEpochs > 0) {
      const { meta, tensors } = await loadCheckpoint(stateFile);
      try {
        if (meta.epoch !== record.completedEpochs) {
          throw new Error(`${stateFile}: holds epoch ${String(meta.epoch)} but training.json records ${record.completedEpochs}`);
        }
        generator.loadState(unprefixed('G.', tensors));
        discriminator.loadState(unprefixed('D.', tensors));
        await restoreOptimizer('optG.', optG, tensors);
        await restoreOptimizer('optD.', optD, tensors);
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    generator.setMode('train');
    const steps = Math.ceil(data.size / settings.batchSize);
    for (let epoch = record.completedEpochs + 1; epoch <= settings.epochs; epoch++) {
      const started = Date.now();
      const epochRng = rng.fork(`epoch-${epoch}`);
      const order = permutation(data.size, epochRng);
      const sums = { discriminator: 0, generator: 0 };
      for (let step = 0; step < steps; step++) {
        const indices = order.slice(step * settings.batchSize, (step + 1) * settings.batchSize);
        const losses = trainStep(generator, discriminator, optG, optD, data.read(indices), epochRng);
        sums.discriminator += losses.discriminator;
        sums.generator += losses.generator;
        options.onProgress?.({ kind: 'step', epoch, epochs: settings.epochs, step: step + 1, steps, losses });
      }
      const checkpoint = join(outDir, `generator-epoch-${epoch}.ckpt`);
      const samples = join(outDir, 'samples', `epoch-${epoch}.png`);
      await saveEpoch(outDir, stateFile, checkpoint, samples, epoch, generator, discriminator, optG, optD, fixedLatents);
      const entry = {
        epoch,
        seconds: (Date.now() - started) / 1000,
        losses: { discriminator: sums.discriminator / steps, generator: sums.generator / steps },
        checkpoint,
        samples,
      };
      record = { ...record, completedEpochs: epoch, history: [...record.history, entry] };
      await writeJsonAtomic(recordFile, record);
      lastSamples = samples;
      const event: RootTrainingEvent = { kind: 'epoch', epochs: settings.epochs, ...entry };
      options.onProgress?.(event);
    }
    return { generatorFile: join(outDir, 'generator.ckpt'), epochs: record.completedEpochs, samples: lastSamples };
  } finally {
    fixedLatents.dispose();
    generator.dispose();
    discriminator.dispose();
    optG.dispose();
    optD.dispose();
  }
}

/** One iteration: discriminator step, then generator step; disposes `real`. */
export function trainStep(
  generator: DcganGenerator, discriminator: DcganDiscriminator, optG: tf.Optimizer, optD: tf.Optimizer,
  real: tf.Tensor4D, rng: ReturnType<typeof createRng>,
): { discriminator: number; generator: number } {
  try {
    return tf.tidy(() => {
      const z = generator.sampleInputs(real.shape[0], rng);
      // Batch statistics without a running-statistics update: the generator step below repeats this
      // forward pass (same weights, same z) and updates them, so each iteration counts once.
      const fake = generator.forward(z, true, false);
      const lossD = optD.minimize(
        () => tf.add(bceWithLogits(discriminator.logits(real, true), 1), bceWithLogits(discriminator.logits(fake, true), 0)) as tf.Scalar,
        true, discriminator.trainableVariables,
      )!;
      const lossG = optG.minimize(
        () => bceWithLogits(discriminator.logits(generator.generate(z), true), 1),
        true, generator.trainableVariables as tf.Variable[],
      )!;
      return { discriminator: lossD.dataSync()[0]!, generator: lossG.dataSync()[0]! };
    });
  } finally {
    real.dispose();
  }
}

async function saveEpoch(
  outDir: string, stateFile: string, checkpoint: string, samples: string, epoch: number,
  generator: DcganGenerator, discriminator: DcganDiscriminator, optG: tf.AdamOptimizer, optD: tf.AdamOptimizer,
  fixedLatents: tf.Tensor,
): Promise<void> {
  const g = generator.state();
  const dState = discriminator.state();
  const adamG = await optimizerState('optG.', optG);
  const adamD = await optimizerState('optD.', optD);
  try {
    const state = { ...prefixed('G.', g), ...prefixed('D.', dState), ...adamG.state, ...adamD.state };
    await saveCheckpoint(stateFile, state, { kind: 'dcgan-root-training-state', epoch, config: generator.settings });
  } finally {
    tf.dispose([...Object.values(g), ...Object.values(dState), ...adamG.owned, ...adamD.owned]);
  }
  generator.setMode('eval');
  try {
    const meta = { rootTraining: { epoch } };
    await saveGenerator(checkpoint, generator, meta);
    await saveGenerator(join(outDir, 'generator.ckpt'), generator, meta);
    const images = generator.generate(fixedLatents);
    try {
      await writePng(samples, imageGrid(images, 8));
    } finally {
      images.dispose();
    }
  } finally {
    generator.setMode('train');
  }
}

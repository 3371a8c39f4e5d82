import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  createRng, LinearKey, mnistImageSource, readNpy, trainFirstStage, trainKey, trainKeyedGenerator,
  type Generator, type ImageSource, type TrainingEvent,
} from '@attrib/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainedDcgan } from './adapter.js';
import { LOCKSTEP } from './lockstep-settings.js';
import { useBackend } from '@attrib/testing/backend';

// scripts/lockstep-draws.ts recorded the random draws these very stage calls make (same seed,
// root, data and options); scripts/make_lockstep_fixtures.py replayed the reference release's
// training loops (step_1_and_2.py, new_key_generation.py, new_generator_training.py) on those
// draws in PyTorch and wrote the per-step losses, the trained keys and the trained generators'
// eval-mode outputs on four probe latents. Any departure in a loss, its reduction or weight, the
// order of steps, which latents or modes a step uses, Adam's settings or the per-epoch decay moves
// these numbers by far more than float32 rounding does over 12 steps.
const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'lockstep');
const SHAPE = { height: 32, width: 32, channels: 1 };

async function fixture(name: string): Promise<Float32Array> {
  return (await readNpy(join(FIXTURES, `${name}.npy`))).values as Float32Array;
}

/** max |a - b| / max |b|: errors measured against the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** The per-step losses named `names`, in order, from a stage's step events. */
function stepLosses(events: TrainingEvent[], names: readonly string[]): number[] {
  return events.filter((e) => e.type === 'step').flatMap((e) => names.map((n) => e.losses![n]!));
}

async function probe(generator: Generator): Promise<Float32Array> {
  const latents = tf.tensor2d(await fixture('probe_latents'), [4, 100]);
  generator.setMode('eval');
  const images = generator.generate(latents);
  const values = images.dataSync() as Float32Array;
  tf.dispose([latents, images]);
  return values;
}

describe('the training stages against the reference release, step for step on the same draws (wasm)', () => {
  let root: Generator;
  let data: ImageSource;
  beforeAll(async () => {
    await useBackend('wasm');
    root = await loadPretrainedDcgan('mnist32');
    data = await mnistImageSource.open({ shape: SHAPE });
  });
  afterAll(async () => {
    root.dispose();
    await useBackend('cpu');
  });

  it('stage "first": the key step then the generator step, their losses, the key and the generator', async () => {
    const events: TrainingEvent[] = [];
    const result = await trainFirstStage({ root, data, rng: createRng(LOCKSTEP.seed), onEvent: (e) => events.push(e) }, LOCKSTEP.first, 'key-1');
    try {
      const names = ['key', 'keyReal', 'keyRoot', 'keyKeyed', 'generator', 'generatorHinge', 'generatorDistance'];
      expect(relativeError(stepLosses(events, names), await fixture('first_losses'))).toBeLessThan(1e-4);
      expect(relativeError(result.key.vector.dataSync(), await fixture('first_key'))).toBeLessThan(1e-4);
      expect(relativeError(await probe(result.generator), await fixture('first_probe'))).toBeLessThan(1e-3);
    } finally {
      result.key.dispose();
      result.generator.dispose();
    }
  }, 120_000);

  it('stage "keys": the angle term and both hinges, their losses and the key', async () => {
    const earlier = new LinearKey('key-a', SHAPE, await fixture('earlier_key'), false);
    const events: TrainingEvent[] = [];
    const result = await trainKey({ root, data, rng: createRng(LOCKSTEP.seed), onEvent: (e) => events.push(e) }, [earlier], 'key-2', LOCKSTEP.keys);
    try {
      expect(relativeError(stepLosses(events, ['total', 'angle', 'root', 'real']), await fixture('keys_losses'))).toBeLessThan(1e-4);
      expect(relativeError(result.key.vector.dataSync(), await fixture('keys_key'))).toBeLessThan(1e-4);
    } finally {
      result.key.dispose();
      earlier.dispose();
    }
  }, 120_000);

  it('stage "generators": hinge plus alpha * MSE, their losses and the generator', async () => {
    const key = new LinearKey('key-g', SHAPE, await fixture('generator_key'), false);
    const events: TrainingEvent[] = [];
    const result = await trainKeyedGenerator({ root, data, rng: createRng(LOCKSTEP.seed), onEvent: (e) => events.push(e) }, key, LOCKSTEP.generators);
    try {
      expect(relativeError(stepLosses(events, ['total', 'hinge', 'distance']), await fixture('generators_losses'))).toBeLessThan(1e-4);
      expect(relativeError(await probe(result.generator), await fixture('generators_probe'))).toBeLessThan(1e-3);
    } finally {
      result.generator.dispose();
      key.dispose();
    }
  }, 120_000);
});

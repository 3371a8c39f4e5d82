/**
 * Sample grids of saved generators on the latents the quality experiments' grids use (64 latents
 * of createRng(123), 8 x 8), so that grids of train-one.ts and of a run's checkpoints can be laid
 * side by side:
 *   tsx --conditions=source packages/cli/scripts/quality/grid.ts OUT.png runs/demo/generators/key-2/generator.ckpt
 * With the checkpoint `root`, the shipped MNIST root.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, loadGenerator, selectBackend, writePng, type Generator } from '@attrib/core';
import { dcganAdapter, loadPretrainedDcgan } from '@attrib/adapter-dcgan';
// Internal to core (not in its public index): read from the source.
import { sampleGrid } from '../../../core/src/io/run-folder-images.js';

async function main(): Promise<void> {
  const [out, file] = process.argv.slice(2);
  if (!out || !file) throw new Error('usage: grid.ts OUT.png CHECKPOINT|root');
  await selectBackend();
  const generator: Generator = file === 'root' ? await loadPretrainedDcgan('mnist32') : (await loadGenerator(file, () => dcganAdapter)).generator;
  generator.setMode('eval');
  const images = tf.tidy(() => generator.generate(generator.sampleInputs(64, createRng(123))));
  await writePng(out, await sampleGrid(images, 8));
  images.dispose();
  generator.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

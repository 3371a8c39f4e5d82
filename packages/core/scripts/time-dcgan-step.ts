/**
 * Times one DCGAN-32 fine-tuning step (ngf 64, batch 16, 1 channel; batch norm in training mode;
 * loss = mean of the output; Adam) on the selected backend, and prints where the time goes per
 * kernel. Not a test: run with
 *   npx tsx packages/core/scripts/time-dcgan-step.ts [--backend wasm|cpu|tensorflow] [--steps N] [--slow]
 * --slow: on wasm, only the kernels training needs, without attrib's faster replacements.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/index.js';
import { selectBackend } from '../src/backend/select.js';

interface Layer {
  filter: tf.Variable; // [k, k, out, in] as conv2dTranspose wants
  gamma?: tf.Variable;
  beta?: tf.Variable;
  stride: number;
  pad: 'valid' | 'same';
}

function parseArgs(argv: string[]): { backend?: string; steps: number; slow: boolean } {
  const out: { backend?: string; steps: number; slow: boolean } = { steps: 10, slow: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backend') out.backend = argv[++i];
    else if (argv[i] === '--steps') out.steps = Number(argv[++i]);
    else if (argv[i] === '--slow') out.slow = true;
    else throw new Error(`unknown argument '${argv[i]}': expected --backend NAME, --steps N or --slow`);
  }
  return out;
}

function makeGenerator(nz: number, ngf: number, channels: number): Layer[] {
  const spec: Array<[number, number, number, 'valid' | 'same', boolean]> = [
    [nz, ngf * 4, 1, 'valid', true],
    [ngf * 4, ngf * 2, 2, 'same', true],
    [ngf * 2, ngf, 2, 'same', true],
    [ngf, channels, 2, 'same', false],
  ];
  return spec.map(([cin, cout, stride, pad, bn], i) => ({
    filter: tf.variable(tf.randomNormal([4, 4, cout, cin], 0, 0.02, 'float32', 10 + i)),
    ...(bn ? { gamma: tf.variable(tf.ones([cout])), beta: tf.variable(tf.zeros([cout])) } : {}),
    stride,
    pad,
  }));
}

function forward(layers: Layer[], z: tf.Tensor4D): tf.Tensor4D {
  let h = z;
  let size = 1;
  layers.forEach((layer, i) => {
    const [, , cout] = layer.filter.shape as [number, number, number, number];
    size = i === 0 ? 4 : size * 2;
    h = tf.conv2dTranspose(h, layer.filter as tf.Tensor4D, [h.shape[0], size, size, cout], layer.stride, layer.pad);
    if (layer.gamma !== undefined && layer.beta !== undefined) {
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, mean, variance, layer.beta, layer.gamma, 1e-5)) as tf.Tensor4D;
    } else {
      h = tf.tanh(h);
    }
  });
  return h;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let backendName: string;
  if (args.slow) {
    // Not through selectBackend, which registers the faster kernels too.
    registerWasmTrainingKernels({ fastKernels: false });
    await tf.setBackend('wasm');
    backendName = 'wasm (without the faster kernels)';
  } else {
    backendName = (await selectBackend(args.backend !== undefined ? { prefer: args.backend } : {})).name;
  }
  const layers = makeGenerator(100, 64, 1);
  const z = tf.randomNormal([16, 1, 1, 100], 0, 1, 'float32', 1) as tf.Tensor4D;
  const optimizer = tf.train.adam(2e-4, 0.5, 0.999);
  const step = (): void => {
    const loss = optimizer.minimize(() => tf.mean(forward(layers, z)) as tf.Scalar, true) as tf.Scalar;
    loss.dataSync();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) step();
  const tensors = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < args.steps; i++) {
    const started = performance.now();
    step();
    times.push(performance.now() - started);
  }
  console.log(`backend ${backendName}: DCGAN-32 step median ${median(times).toFixed(1)} ms over ${args.steps} ` +
    `(min ${Math.min(...times).toFixed(1)}), tensors ${tensors} -> ${tf.memory().numTensors}`);

  const profile = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; count: number }>();
  for (const k of profile.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const entry = byKernel.get(key) ?? { ms: 0, count: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.count++;
    byKernel.set(key, entry);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`profiled kernels total ${total.toFixed(1)} ms; the largest:`);
  for (const [key, { ms, count }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
    console.log(`  ${ms.toFixed(1).padStart(7)} ms  x${count}  ${key}`);
  }
}

await main();

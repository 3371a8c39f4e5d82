/**
 * Compares, on the wasm backend, attrib's kernels with the ones tfjs-backend-wasm ships for the
 * DCGAN-32 layer shapes (the minimum of interleaved repeats, as the machine is shared). Each
 * convolution gets a fresh filter tensor per call, as in training (the wasm backend caches packed
 * weights per filter tensor, which would flatter a repeated call). Not a test:
 *   npx tsx packages/core/scripts/bench-wasm-kernels.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/register-wasm-kernels.js';

const shipped = new Map(
  ['Conv2DBackpropInput', 'Conv2D', 'Tile'].map((name) => [name, tf.getKernel(name, 'wasm')!]),
);
await tf.setBackend('wasm');
registerWasmTrainingKernels();
const backend = tf.backend();

type Run = () => void;
type Inputs = () => Record<string, tf.Tensor>;
function viaShipped(name: string, inputs: Inputs, attrs: Record<string, unknown>): Run {
  const config = shipped.get(name)!;
  return () => {
    const given = inputs();
    const out = config.kernelFunc({ inputs: given, backend, attrs: attrs as never }) as tf.TensorInfo;
    backend.disposeData(out.dataId);
    tf.dispose(Object.values(given));
  };
}
function viaRegistered(name: string, inputs: Inputs, attrs: Record<string, unknown>): Run {
  return () => {
    const given = inputs();
    (tf.engine().runKernel(name, given, attrs as never) as tf.Tensor).dispose();
    tf.dispose(Object.values(given));
  };
}
/** A copy of `t` with a new data id, as an optimizer step makes. */
const fresh = (t: tf.Tensor): tf.Tensor => tf.add(t, 0);

function compare(label: string, variants: Record<string, Run>, repeats = 15): void {
  const best: Record<string, number> = {};
  for (const run of Object.values(variants)) run(); // warm-up
  for (let i = 0; i < repeats; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const started = performance.now();
      run();
      best[name] = Math.min(best[name] ?? Infinity, performance.now() - started);
    }
  }
  console.log(`${label}: ` + Object.entries(best).map(([n, ms]) => `${n} ${ms.toFixed(2)} ms`).join(', '));
}

const layers: Array<[string, number[], number[], number[], number, string | number]> = [
  ['convT 100->256 k4 s1 p0 1x1->4x4', [16, 1, 1, 100], [4, 4, 256, 100], [16, 4, 4, 256], 1, 'valid'],
  ['convT 256->128 k4 s2 p1 4->8', [16, 4, 4, 256], [4, 4, 128, 256], [16, 8, 8, 128], 2, 'same'],
  ['convT 128->64 k4 s2 p1 8->16', [16, 8, 8, 128], [4, 4, 64, 128], [16, 16, 16, 64], 2, 'same'],
  ['convT 64->1 k4 s2 p1 16->32', [16, 16, 16, 64], [4, 4, 1, 64], [16, 32, 32, 1], 2, 'same'],
];
for (const [label, dyShape, filterShape, outShape, stride, pad] of layers) {
  const dy = tf.randomNormal(dyShape);
  const filter = tf.randomNormal(filterShape);
  const attrs = { inputShape: outShape, strides: [stride, stride], pad, dataFormat: 'NHWC' };
  const x = tf.randomNormal(outShape);
  const inputs = (): Record<string, tf.Tensor> => ({ dy: tf.clone(dy), filter: fresh(filter) });
  compare(label, {
    shipped: viaShipped('Conv2DBackpropInput', inputs, attrs),
    ours: viaRegistered('Conv2DBackpropInput', inputs, attrs),
  });
  // The plain conv2d of the same size (the transposed convolution's input gradient): the rate
  // of the backend's own convolution, which attrib does not replace.
  const convInputs = (): Record<string, tf.Tensor> => ({ x: tf.clone(x), filter: fresh(filter) });
  const convAttrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1] };
  compare(`  conv2d of the same size`, { shipped: viaShipped('Conv2D', convInputs, convAttrs) });
  tf.dispose([dy, filter, x]);
}

for (const [h, c] of [[4, 256], [8, 128], [16, 64]] as const) {
  const scale = tf.randomNormal([1, 1, 1, c]);
  const reps = [16, h, h, 1];
  compare(`tile [1,1,1,${c}] x ${JSON.stringify(reps)}`, {
    shipped: viaShipped('Tile', () => ({ x: tf.clone(scale) }), { reps }),
    ours: viaRegistered('Tile', () => ({ x: tf.clone(scale) }), { reps }),
  });
  scale.dispose();
}

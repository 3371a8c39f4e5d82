import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs's own gradient functions, which the kernels' gradients build on (tfjs-core alone lacks them in Node).
import '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '@attrib/tfjs-wasm-kernels';

/**
 * For tests: makes `name` the active TensorFlow.js backend (once per process; later calls with
 * the same name are cheap) and registers attrib's wasm training kernels.
 */
export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  registerWasmTrainingKernels();
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/**
 * For tests: runs `compute` with `name` as the active backend and returns the values of the
 * tensors it returns (then disposes them and every intermediate). Switches back to the backend
 * that was active before.
 */
export async function valuesOn(
  name: 'wasm' | 'cpu',
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await useBackend(name);
  try {
    const outputs = tf.tidy(compute);
    const list = Array.isArray(outputs) ? outputs : [outputs];
    const values = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(list);
    return values;
  } finally {
    if (previous !== name) await useBackend(previous as 'wasm' | 'cpu');
  }
}

/** Largest absolute difference between `actual` and `expected` over the largest |expected|. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return scale === 0 ? worst : worst / scale;
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Largest absolute value of an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]!));
  return worst;
}

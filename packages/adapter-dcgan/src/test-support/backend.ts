import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@attrib/core';

/**
 * For tests: registers attrib's training kernels and gradients (tfjs-core alone has none in Node)
 * and makes `name` the active backend.
 */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  registerWasmTrainingKernels();
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  }
  await tf.ready();
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@attrib/core';

/** For tests: a parity fixture written by scripts/make_parity_fixtures.py. */
export function fixture(name: string): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', name);
}

/** For tests: registers attrib's training kernels and gradients and makes `name` the active backend. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  registerWasmTrainingKernels();
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Largest absolute value of an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

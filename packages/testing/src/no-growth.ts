import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `step` `times` times after the caller's warm-up and expects neither the live tensors nor the
 * backend's data buffers to have grown: a kernel that leaks an intermediate shows in one of them.
 */
export function expectNoGrowth(step: () => void, times = 10): void {
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const tensors = tf.memory().numTensors;
  const dataIds = backend.numDataIds();
  for (let i = 0; i < times; i++) step();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(backend.numDataIds()).toBe(dataIds);
}

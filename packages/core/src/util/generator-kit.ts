import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorMode } from '../contracts/generator.js';
import type { Rng } from '../contracts/rng.js';

/** `mode` if it is one of the two modes a {@link Generator} takes; a one-line error naming `adapter` otherwise. */
export function checkGeneratorMode(adapter: string, mode: GeneratorMode): GeneratorMode {
  if (mode !== 'train' && mode !== 'eval') throw new Error(`${adapter}: mode must be 'train' or 'eval', got ${String(mode)}`);
  return mode;
}

/** `count` latents of `size` values from N(0, I), drawn from `rng`: what noise-driven generators sample. */
export function normalLatents(adapter: string, count: number, size: number, rng: Rng): tf.Tensor2D {
  if (!Number.isInteger(count) || count <= 0) throw new Error(`${adapter}: sample count must be a positive integer, got ${count}`);
  return tf.randomNormal([count, size], 0, 1, 'float32', rng.seed()) as tf.Tensor2D;
}

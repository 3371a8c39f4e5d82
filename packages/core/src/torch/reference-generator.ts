import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import { toNamedTensors } from './state-dict.js';
import type { TorchTensor } from './torch-tensor.js';

/**
 * The last step of every adapter's reference import: builds the generator (`build`, from the
 * config the adapter inferred), loads the state dict's tensors into it and sets eval mode, as the
 * reference runs it. Errors are prefixed with `file`; a generator that fails to load is disposed.
 */
export function generatorFromStateDict<G extends Generator>(file: string, tensors: ReadonlyMap<string, TorchTensor>, build: () => G): G {
  let generator: G;
  try {
    generator = build();
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const named = toNamedTensors(tensors);
  try {
    generator.loadState(named);
  } catch (error) {
    generator.dispose();
    throw new Error(`${file}: ${(error as Error).message}`);
  } finally {
    tf.dispose(Object.values(named));
  }
  generator.setMode('eval');
  return generator;
}

import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import './gradients.js';
import { makeConv2DBackpropFilterKernel } from './wasm-kernels/conv2d-backprop-filter.js';

const WASM = 'wasm';

/** The kernels attrib adds to the wasm backend so that conv nets can train on it. */
function wasmTrainingKernels(): KernelConfig[] {
  return [makeConv2DBackpropFilterKernel(WASM)];
}

/**
 * Registers attrib's training kernels for the 'wasm' backend (the ones tfjs-backend-wasm lacks,
 * such as `Conv2DBackpropFilter`). Idempotent: a kernel already registered for 'wasm' (by an
 * earlier call, or by a future tfjs release that ships it) is left alone. It needs neither the
 * wasm package to be imported nor the backend to be initialised first. Importing this module also
 * registers tfjs's gradient functions, which tfjs-core alone lacks in Node.
 *
 * @returns the names of the kernels this call registered (empty on later calls).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of wasmTrainingKernels()) {
    if (getKernel(config.kernelName, config.backendName) !== undefined) continue;
    registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}

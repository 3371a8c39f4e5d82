import { Identity, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmHeapBackend } from './wasm-heap.js';

/**
 * `Identity` on the wasm backend sharing its input's data, as the cpu backend's does: tensors
 * are immutable, so a clone needs no copy. tfjs-backend-wasm 4.22 copies, and the engine clones
 * every tensor a gradient saves for the backward pass (about a hundred per DCGAN training step).
 * Strings go to `original`.
 */
export function makeIdentityKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: { inputs: { x?: TensorInfo }; backend: KernelBackend }): TensorInfo => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Identity needs input x');
    if (x.dtype === 'string') return original.kernelFunc(args as never) as TensorInfo;
    (args.backend as WasmHeapBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const config: KernelConfig = { kernelName: Identity, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

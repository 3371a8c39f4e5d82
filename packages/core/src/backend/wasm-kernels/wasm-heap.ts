import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The parts of the wasm backend a kernel of ours uses to work on tensor data in place: data lives
 * in the module's heap. Views must be taken after the last allocation of a kernel call, since an
 * allocation may grow the heap and detach earlier views.
 */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

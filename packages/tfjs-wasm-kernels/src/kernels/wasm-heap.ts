import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { webAssembly, type WasmMemory } from '../simd/webassembly.js';

/**
 * The parts of the wasm backend our kernels use beyond the KernelBackend interface: tensor data
 * lives in the module's heap, and data ids shared by several tensors (Reshape, Identity) are
 * reference counted. Views must be taken after the last allocation of a kernel call, since an
 * allocation may grow the heap and detach earlier views.
 */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  incRef(dataId: object): void;
  /** 0 once the data is freed. */
  refCount(dataId: object): number;
}

/**
 * The WebAssembly memory holding the wasm backend's heap, where its module exposes it and it is
 * not shared between threads (the threaded build's), which the kernels of simd/ cannot import.
 */
export function heapMemory(backend: KernelBackend): WasmMemory | undefined {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof webAssembly.Memory && !(memory.buffer instanceof SharedArrayBuffer) ? memory : undefined;
}

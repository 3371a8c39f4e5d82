import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvTransposeAffine, type ConvTransposeAffineAttrs } from '../ops/conv-transpose-affine-op.js';
import { withKernelScope } from './kernel-scope.js';
import { transposedConvolution } from './conv2d-backprop-input.js';
import type { WasmHeapBackend } from './wasm-heap.js';

/**
 * {@link ConvTransposeAffine} on the wasm backend: attrib's transposed convolution with the scale
 * folded into its kept filter panels and the shift and activation applied by the convolution
 * itself, so batch norm in evaluation mode and ReLU cost no pass of their own.
 */
export function makeConvTransposeAffineKernel(backendName: string): KernelConfig {
  const kernelFunc = (args: {
    inputs: { x?: TensorInfo; filter?: TensorInfo; scale?: TensorInfo; shift?: TensorInfo };
    backend: KernelBackend;
    attrs: ConvTransposeAffineAttrs;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, filter, scale, shift } = inputs;
    if (x === undefined || filter === undefined || scale === undefined || shift === undefined) {
      throw new Error(`${ConvTransposeAffine} needs inputs x, filter, scale and shift`);
    }
    const heap = backend as WasmHeapBackend;
    const affine = {
      scale: heap.typedArrayFromHeap(scale).slice(),
      shift: heap.typedArrayFromHeap(shift).slice(),
      activation: attrs.activation,
    };
    return withKernelScope(backend, backendName, (scope) =>
      transposedConvolution(scope, x, filter, attrs.inputShape, attrs.strides, attrs.pad, undefined, affine));
  };
  return { kernelName: ConvTransposeAffine, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

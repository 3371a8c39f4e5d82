import {
  backend_util,
  MaxPoolGrad,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmHeapBackend } from './wasm-heap.js';


/**
 * `MaxPoolGrad` for the wasm backend, computed in JavaScript directly on the wasm heap
 * (tfjs-backend-wasm 4.22's own kernel drops some windows' gradients). Each output's gradient
 * goes to the first maximum of its window in row-major order, as in the cpu backend.
 */
export function makeMaxPoolGradKernel(backendName: string): KernelConfig {
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: { dy?: TensorInfo; input?: TensorInfo };
    backend: KernelBackend;
    attrs: MaxPoolGradAttrs;
  }): TensorInfo => {
    const { dy, input } = inputs;
    if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs inputs dy and input');
    if (input.dtype !== 'float32') {
      throw new Error(`MaxPoolGrad on ${backendName} supports float32 data only, got ${input.dtype}`);
    }
    const heap = backend as WasmHeapBackend;
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const dx = heap.makeOutput(input.shape, 'float32');
    // Views are taken after allocating dx: an allocation may grow (and detach) the heap.
    const xs = heap.typedArrayFromHeap(input);
    const dys = heap.typedArrayFromHeap(dy);
    const out = heap.typedArrayFromHeap(dx);
    out.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
    const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const { effectiveFilterHeight, effectiveFilterWidth } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    let dyIndex = 0;
    for (let b = 0; b < batchSize; b++) {
      const batchOffset = b * inHeight * inWidth * channels;
      for (let oh = 0; oh < outHeight; oh++) {
        const rowStart = oh * strideHeight - padTop;
        for (let ow = 0; ow < outWidth; ow++) {
          const colStart = ow * strideWidth - padLeft;
          for (let c = 0; c < channels; c++, dyIndex++) {
            let best = Number.NEGATIVE_INFINITY;
            let bestIndex = -1;
            for (let fr = 0; fr < effectiveFilterHeight; fr += dilationHeight) {
              const r = rowStart + fr;
              if (r < 0 || r >= inHeight) continue;
              for (let fc = 0; fc < effectiveFilterWidth; fc += dilationWidth) {
                const col = colStart + fc;
                if (col < 0 || col >= inWidth) continue;
                const index = batchOffset + (r * inWidth + col) * channels + c;
                if (xs[index]! > best || bestIndex < 0) {
                  best = xs[index]!;
                  bestIndex = index;
                }
              }
            }
            if (bestIndex >= 0) out[bestIndex]! += dys[dyIndex]!;
          }
        }
      }
    }
    return dx;
  };
  return { kernelName: MaxPoolGrad, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

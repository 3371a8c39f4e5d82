import {
  BatchMatMul,
  Reshape,
  ResizeBilinear,
  ResizeBilinearGrad,
  ResizeNearestNeighbor,
  ResizeNearestNeighborGrad,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { withKernelScope, type KernelScope } from './kernel-scope.js';

interface ResizeGradAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/**
 * The gradient of a bilinear or nearest-neighbour resize, for every `alignCorners` /
 * `halfPixelCenters` combination (tfjs-backend-wasm's own grad kernels ignore
 * `halfPixelCenters`).
 *
 * Both resizes are separable linear maps, Y[b] = Ah X[b] Aw^T per channel, so the gradient is
 * dX[b] = Ah^T dY[b] Aw: two batched matrix products. The interpolation matrices Ah [outH, inH]
 * and Aw [outW, inW] are read off the backend's own forward kernel applied to identity images,
 * so they match its forward pass exactly, whatever its coordinate conventions.
 */
function makeResizeGradKernel(
  gradKernelName: string,
  forwardKernelName: string,
  backendName: string,
): KernelConfig {
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: { images?: TensorInfo; dy?: TensorInfo };
    backend: KernelBackend;
    attrs: ResizeGradAttrs;
  }): TensorInfo => {
    const { images, dy } = inputs;
    if (images === undefined || dy === undefined) {
      throw new Error(`${gradKernelName} needs inputs images and dy`);
    }
    const [batch, inHeight, inWidth, depth] = images.shape as [number, number, number, number];
    const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
    return withKernelScope(backend, backendName, (scope) => {
      const rowWeights = interpolationMatrix(scope, forwardKernelName, inHeight, outHeight, attrs);
      const colWeights = interpolationMatrix(scope, forwardKernelName, inWidth, outWidth, attrs);
      // Contract output rows: [1, outH, inH]^T x [batch, outH, outW*depth] -> [batch, inH, outW*depth].
      const dyRows = scope.run(Reshape, { x: dy }, { shape: [batch, outHeight, outWidth * depth] });
      const byRows = scope.run(BatchMatMul, { a: rowWeights, b: dyRows }, { transposeA: true, transposeB: false });
      // Contract output columns: [1, outW, inW]^T x [batch*inH, outW, depth] -> [batch*inH, inW, depth].
      const byRowsCols = scope.run(Reshape, { x: byRows }, { shape: [batch * inHeight, outWidth, depth] });
      const dx = scope.run(BatchMatMul, { a: colWeights, b: byRowsCols }, { transposeA: true, transposeB: false });
      return scope.run(Reshape, { x: dx }, { shape: [batch, inHeight, inWidth, depth] });
    });
  };
  return { kernelName: gradKernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * The [1, outSize, inSize] matrix of a 1-D resize from inSize to outSize: the forward kernel run
 * on an [1, inSize, 1, inSize] image whose channel k is the k-th unit vector along the rows.
 */
function interpolationMatrix(
  scope: KernelScope,
  forwardKernelName: string,
  inSize: number,
  outSize: number,
  attrs: ResizeGradAttrs,
): TensorInfo {
  const identity = new Float32Array(inSize * inSize);
  for (let k = 0; k < inSize; k++) identity[k * inSize + k] = 1;
  const unitImages = scope.constant(identity, [1, inSize, 1, inSize]);
  const resized = scope.run(forwardKernelName, { images: unitImages }, {
    alignCorners: attrs.alignCorners,
    halfPixelCenters: attrs.halfPixelCenters,
    size: [outSize, 1],
  });
  return scope.run(Reshape, { x: resized }, { shape: [1, outSize, inSize] });
}

/** `ResizeBilinearGrad` for `backendName`, honouring `halfPixelCenters`. */
export function makeResizeBilinearGradKernel(backendName: string): KernelConfig {
  return makeResizeGradKernel(ResizeBilinearGrad, ResizeBilinear, backendName);
}

/** `ResizeNearestNeighborGrad` for `backendName`, honouring `halfPixelCenters`. */
export function makeResizeNearestNeighborGradKernel(backendName: string): KernelConfig {
  return makeResizeGradKernel(ResizeNearestNeighborGrad, ResizeNearestNeighbor, backendName);
}

import {
  BatchMatMul,
  OneHot,
  Reshape,
  UnsortedSegmentSum,
  util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { withKernelScope } from './kernel-scope.js';

/**
 * `UnsortedSegmentSum` (the gradient of `gather`) as a one-hot matrix product:
 * out[s] = sum over i with ids[i] = s of x[i] = (OneHot(ids, numSegments)^T X)[s].
 * Ids outside [0, numSegments) select nothing, as in TensorFlow. float32 data only.
 */
export function makeUnsortedSegmentSumKernel(backendName: string): KernelConfig {
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: { x?: TensorInfo; segmentIds?: TensorInfo };
    backend: KernelBackend;
    attrs: UnsortedSegmentSumAttrs;
  }): TensorInfo => {
    const { x, segmentIds } = inputs;
    if (x === undefined || segmentIds === undefined) {
      throw new Error('UnsortedSegmentSum needs inputs x and segmentIds');
    }
    if (x.dtype !== 'float32') {
      throw new Error(`UnsortedSegmentSum on ${backendName} supports float32 data only, got ${x.dtype}`);
    }
    const { numSegments } = attrs;
    const idCount = util.sizeFromShape(segmentIds.shape);
    const innerShape = x.shape.slice(segmentIds.shape.length);
    const innerSize = util.sizeFromShape(innerShape);
    return withKernelScope(backend, backendName, (scope) => {
      const flatIds = scope.run(Reshape, { x: segmentIds }, { shape: [idCount] });
      const oneHot = scope.run(OneHot, { indices: flatIds }, {
        depth: numSegments,
        onValue: 1,
        offValue: 0,
        dtype: 'float32',
      });
      const rows = scope.run(Reshape, { x }, { shape: [idCount, innerSize] });
      const sums = scope.run(BatchMatMul, { a: oneHot, b: rows }, { transposeA: true, transposeB: false });
      return scope.run(Reshape, { x: sums }, { shape: [numSegments, ...innerShape] });
    });
  };
  return { kernelName: UnsortedSegmentSum, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

import {
  Fill,
  Multiply,
  Reshape,
  Tile,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type TileAttrs,
} from '@tensorflow/tfjs-core';
import { withKernelScope } from './kernel-scope.js';

/** Most dimensions the wasm backend's broadcasting binary kernels (XNNPACK) accept. */
const MAX_BROADCAST_RANK = 6;

/**
 * `Tile` for float32 and int32 on the wasm backend as a broadcast multiply by ones, which is
 * exact and runs through XNNPACK: x [d0, d1, ...] tiled by [r0, r1, ...] is x viewed as
 * [1, d0, 1, d1, ...] broadcast to [r0, d0, r1, d1, ...]. tfjs-backend-wasm 4.22's own Tile
 * (used by batch-norm gradients) is a per-element loop about a hundred times slower.
 * Other dtypes, and tilings needing more than 6 broadcast dimensions, go to `original`.
 */
export function makeTileKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: { inputs: { x?: TensorInfo }; backend: KernelBackend; attrs: TileAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    if (x === undefined) throw new Error('Tile needs input x');
    const view = broadcastView(x.shape, attrs.reps);
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || view.target.length > MAX_BROADCAST_RANK) {
      return original.kernelFunc(args as never) as TensorInfo;
    }
    const outShape = x.shape.map((d, i) => d * attrs.reps[i]!);
    return withKernelScope(backend, backendName, (scope) => {
      const source = scope.run(Reshape, { x }, { shape: view.source });
      const ones = scope.run(Fill, {}, { shape: view.target, value: 1, dtype: x.dtype });
      const product = scope.run(Multiply, { a: source, b: ones });
      return scope.run(Reshape, { x: product }, { shape: outShape });
    });
  };
  const config: KernelConfig = { kernelName: Tile, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}

/**
 * The interleaved shapes [r0, d0, r1, d1, ...] (target) and [1, d0, 1, d1, ...] (source), with
 * size-1 dimensions dropped and neighbours of the same kind (both repeated, or both data) merged.
 */
function broadcastView(shape: readonly number[], reps: readonly number[]): { source: number[]; target: number[] } {
  const source: number[] = [];
  const target: number[] = [];
  let lastKind: 'rep' | 'data' | undefined;
  const push = (kind: 'rep' | 'data', size: number): void => {
    if (size === 1) return;
    if (kind === lastKind) {
      target[target.length - 1]! *= size;
      if (kind === 'data') source[source.length - 1]! *= size;
    } else {
      target.push(size);
      source.push(kind === 'data' ? size : 1);
      lastKind = kind;
    }
  };
  shape.forEach((d, i) => {
    push('rep', reps[i]!);
    push('data', d);
  });
  if (target.length === 0) return { source: [1], target: [1] };
  return { source, target };
}

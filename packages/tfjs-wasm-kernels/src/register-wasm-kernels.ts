// Our replacements wrap or displace kernels the wasm package registers when imported.
import '@tensorflow/tfjs-backend-wasm';
import {
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthToSpace,
  FusedBatchNorm,
  getKernel,
  Identity,
  MaxPoolGrad,
  Mean,
  OneHot,
  registerKernel,
  ResizeBilinearGrad,
  ResizeNearestNeighborGrad,
  Sum,
  Tile,
  Transpose,
  unregisterKernel,
  UnsortedSegmentSum,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { AdamUpdate } from './ops/adam-update-op.js';
import { BatchNormTraining, BatchNormTrainingGrad, registerBatchNormTrainingGradient } from './ops/batch-norm-training-op.js';
import { ConvTransposeAffine, registerConvTransposeAffineGradient } from './ops/conv-transpose-affine-op.js';
import { makeFusedBatchNormKernel } from './kernels/batch-norm.js';
import { makeConvTransposeAffineKernel } from './kernels/conv-transpose-affine-kernel.js';
import { makeConv2DBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { makeConv2DBackpropInputKernel } from './kernels/conv2d-backprop-input.js';
import { makeConv2DKernel } from './kernels/conv2d-gemm.js';
import { makeDepthToSpaceKernel } from './kernels/depth-to-space.js';
import { makeIdentityKernel } from './kernels/identity.js';
import { makeLeadingReductionKernel } from './kernels/leading-reduction.js';
import { makeMaxPoolGradKernel } from './kernels/max-pool-grad.js';
import { makeOneHotKernel } from './kernels/one-hot.js';
import {
  makeResizeBilinearGradKernel,
  makeResizeNearestNeighborGradKernel,
} from './kernels/resize-grad.js';
import { makeAdamUpdateKernel } from './kernels/adam-update-kernel.js';
import { makeBatchNormTrainingGradKernel, makeBatchNormTrainingKernel } from './kernels/batch-norm-training-kernel.js';
import { makeTileKernel } from './kernels/tile.js';
import { makeTransposeKernel } from './kernels/transpose.js';
import { makeUnsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';
import { registerExtraGradients } from './extra-gradients.js';

const WASM = 'wasm';
const CPU = 'cpu';

/**
 * A kernel of ours. `missing`: tfjs-backend-wasm 4.22 lacks it (`make` gets no original).
 * `fix`: it ships one that gives wrong results. `speed`: it ships a slow one. For `fix` and
 * `speed`, `make` gets the shipped kernel, which a wrapper may delegate to. `fused`: a kernel
 * of attrib's own ops, which compose tf ops where it is not registered.
 */
interface WasmKernel {
  kernelName: string;
  backendName?: string; // default 'wasm'
  role: 'missing' | 'fix' | 'speed' | 'fused';
  make: (original: KernelConfig | undefined) => KernelConfig;
}

const WASM_KERNELS: WasmKernel[] = [
  { kernelName: Conv2DBackpropFilter, role: 'missing', make: () => makeConv2DBackpropFilterKernel(WASM) },
  { kernelName: UnsortedSegmentSum, role: 'missing', make: () => makeUnsortedSegmentSumKernel(WASM) },
  // The shipped ones ignore halfPixelCenters.
  { kernelName: ResizeBilinearGrad, role: 'fix', make: () => makeResizeBilinearGradKernel(WASM) },
  { kernelName: ResizeNearestNeighborGrad, role: 'fix', make: () => makeResizeNearestNeighborGradKernel(WASM) },
  // The shipped one loses the gradient of some windows.
  { kernelName: MaxPoolGrad, role: 'fix', make: () => makeMaxPoolGradKernel(WASM) },
  // The shipped one writes int32 whatever the dtype.
  { kernelName: OneHot, role: 'fix', make: (original) => makeOneHotKernel(shipped(original, OneHot), WASM) },
  // An indirect matrix product with fused multiply-adds (conv2d-gemm.ts); the shipped one is also
  // wrong for non-square filters with numeric padding.
  { kernelName: Conv2D, role: 'speed', make: (original) => makeConv2DKernel(shipped(original, Conv2D), WASM) },
  {
    kernelName: Conv2DBackpropInput,
    role: 'speed',
    make: (original) => makeConv2DBackpropInputKernel(shipped(original, Conv2DBackpropInput), WASM),
  },
  {
    kernelName: FusedBatchNorm,
    role: 'speed',
    make: (original) => makeFusedBatchNormKernel(shipped(original, FusedBatchNorm), WASM),
  },
  // A transposed convolution, batch norm in evaluation mode and ReLU in one (conv-transpose-affine.ts).
  { kernelName: ConvTransposeAffine, role: 'fused', make: () => makeConvTransposeAffineKernel(WASM) },
  { kernelName: AdamUpdate, role: 'fused', make: () => makeAdamUpdateKernel(WASM) },
  { kernelName: BatchNormTraining, role: 'fused', make: () => makeBatchNormTrainingKernel(WASM) },
  { kernelName: BatchNormTrainingGrad, role: 'fused', make: () => makeBatchNormTrainingGradKernel(WASM) },
  { kernelName: Sum, role: 'speed', make: (original) => makeLeadingReductionKernel(shipped(original, Sum), WASM) },
  { kernelName: Mean, role: 'speed', make: (original) => makeLeadingReductionKernel(shipped(original, Mean), WASM) },
  { kernelName: Identity, role: 'speed', make: (original) => makeIdentityKernel(shipped(original, Identity), WASM) },
  { kernelName: Transpose, role: 'speed', make: (original) => makeTransposeKernel(shipped(original, Transpose), WASM) },
  { kernelName: Tile, role: 'speed', make: (original) => makeTileKernel(shipped(original, Tile), WASM) },
  {
    kernelName: DepthToSpace,
    role: 'speed',
    make: (original) => makeDepthToSpaceKernel(shipped(original, DepthToSpace), WASM),
  },
  // tfjs-backend-cpu 4.22's resize gradients are wrong too: ResizeBilinearGrad swaps height and
  // width of its output (an error for non-square images), and both ignore halfPixelCenters.
  { kernelName: ResizeBilinearGrad, backendName: CPU, role: 'fix', make: () => makeResizeBilinearGradKernel(CPU) },
  {
    kernelName: ResizeNearestNeighborGrad,
    backendName: CPU,
    role: 'fix',
    make: () => makeResizeNearestNeighborGradKernel(CPU),
  },
];

function shipped(original: KernelConfig | undefined, kernelName: string): KernelConfig {
  if (original === undefined) throw new Error(`the wasm ${kernelName} kernel to wrap is not registered`);
  return original;
}

/** Our registered configs by backend and kernel name, so a later call recognises them. */
const ours = new Map<string, KernelConfig>();

/** Options of {@link registerWasmTrainingKernels}. */
export interface WasmKernelOptions {
  /**
   * Also register the faster replacements (`Conv2D`, `Conv2DBackpropInput`, `FusedBatchNorm`, `Sum` and
   * `Mean` over leading axes, `Identity`, `Transpose`, `Tile`, `DepthToSpace`) and the fused
   * kernels of `convTranspose2dAffine`, `adamUpdate` and `batchNormTraining`. Default true;
   * false is for measuring what they bring.
   */
  fastKernels?: boolean;
}

/**
 * Registers attrib's training kernels for the 'wasm' backend: those tfjs-backend-wasm 4.22 lacks
 * (`Conv2DBackpropFilter`, `UnsortedSegmentSum`), fixes for those it gets wrong
 * (`ResizeBilinearGrad`, `ResizeNearestNeighborGrad`, `MaxPoolGrad`, `OneHot`), faster `Conv2D`
 * (which also fixes the shipped one's numeric padding of non-square filters) and
 * `Conv2DBackpropInput` (the transposed convolution), `FusedBatchNorm`, `Sum` and `Mean` over
 * leading axes, `Identity`, `Transpose`, `Tile` and `DepthToSpace`, attrib's fused kernels of
 * `adamUpdate` and `batchNormTraining` (with its gradient), the fused kernel of
 * `convTranspose2dAffine` (a transposed convolution, a per-channel affine map and ReLU),
 * and the gradients tfjs lacks
 * on every backend (`DepthToSpace`, comparisons). It also fixes the cpu backend's
 * `ResizeBilinearGrad` and `ResizeNearestNeighborGrad`. Importing this module
 * also registers tfjs's own gradient functions, which tfjs-core alone lacks in Node, and loads
 * '@tensorflow/tfjs-backend-wasm' (its JavaScript only; the backend need not be initialised).
 *
 * Idempotent and cheap to call again; a later call only adds what an earlier one left out. A
 * missing kernel that someone else registered meanwhile (say a future tfjs) is left alone.
 *
 * @returns the names of the kernels and gradients this call registered (empty on later calls).
 */
export function registerWasmTrainingKernels(options: WasmKernelOptions = {}): string[] {
  const registered: string[] = [];
  for (const { kernelName, backendName = WASM, role, make } of WASM_KERNELS) {
    if ((role === 'speed' || role === 'fused') && options.fastKernels === false) continue;
    const key = `${backendName}/${kernelName}`;
    const current = getKernel(kernelName, backendName);
    if (current !== undefined && current.kernelFunc === ours.get(key)?.kernelFunc) continue;
    if (current !== undefined && (role === 'missing' || role === 'fused')) continue;
    if (current === undefined && (role === 'fix' || role === 'speed')) continue; // that backend's package is not loaded
    const config = make(current);
    if (current !== undefined) unregisterKernel(kernelName, backendName);
    registerKernel(config);
    ours.set(key, config);
    registered.push(backendName === WASM ? kernelName : key);
  }
  for (const name of registerExtraGradients()) registered.push(`${name} gradient`);
  registerConvTransposeAffineGradient();
  registerBatchNormTrainingGradient();
  return registered;
}

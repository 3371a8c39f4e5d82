import './gradients.js';
// Our replacements wrap or displace kernels the wasm package registers when imported.
import '@tensorflow/tfjs-backend-wasm';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthToSpace,
  getKernel,
  MaxPoolGrad,
  OneHot,
  registerKernel,
  ResizeBilinearGrad,
  ResizeNearestNeighborGrad,
  Tile,
  Transpose,
  unregisterKernel,
  UnsortedSegmentSum,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { makeConv2DBackpropFilterKernel } from './wasm-kernels/conv2d-backprop-filter.js';
import { makeConv2DBackpropInputKernel } from './wasm-kernels/conv2d-backprop-input.js';
import { makeDepthToSpaceKernel } from './wasm-kernels/depth-to-space.js';
import { makeMaxPoolGradKernel } from './wasm-kernels/max-pool-grad.js';
import { makeOneHotKernel } from './wasm-kernels/one-hot.js';
import {
  makeResizeBilinearGradKernel,
  makeResizeNearestNeighborGradKernel,
} from './wasm-kernels/resize-grad.js';
import { makeTileKernel } from './wasm-kernels/tile.js';
import { makeTransposeKernel } from './wasm-kernels/transpose.js';
import { makeUnsortedSegmentSumKernel } from './wasm-kernels/unsorted-segment-sum.js';
import { registerExtraGradients } from './extra-gradients.js';

const WASM = 'wasm';

/**
 * A kernel of ours: one tfjs-backend-wasm lacks (`make` gets no original), or a replacement for
 * one it gets wrong (`make` gets the shipped kernel, which a wrapper may delegate to).
 */
interface WasmKernel {
  kernelName: string;
  replaces: boolean;
  make: (original: KernelConfig | undefined) => KernelConfig;
}

const WASM_KERNELS: WasmKernel[] = [
  // Missing from tfjs-backend-wasm 4.22.
  { kernelName: Conv2DBackpropFilter, replaces: false, make: () => makeConv2DBackpropFilterKernel(WASM) },
  { kernelName: UnsortedSegmentSum, replaces: false, make: () => makeUnsortedSegmentSumKernel(WASM) },
  // Shipped but wrong: these ignore halfPixelCenters.
  { kernelName: ResizeBilinearGrad, replaces: true, make: () => makeResizeBilinearGradKernel(WASM) },
  { kernelName: ResizeNearestNeighborGrad, replaces: true, make: () => makeResizeNearestNeighborGradKernel(WASM) },
  // Shipped but wrong: loses the gradient of some windows.
  { kernelName: MaxPoolGrad, replaces: true, make: () => makeMaxPoolGradKernel(WASM) },
  // Shipped but slow: ours run through XNNPACK's Conv2D, Transpose and Multiply (see each file).
  {
    kernelName: Conv2DBackpropInput,
    replaces: true,
    make: (original) => makeConv2DBackpropInputKernel(shipped(original, Conv2DBackpropInput), WASM),
  },
  { kernelName: Transpose, replaces: true, make: (original) => makeTransposeKernel(shipped(original, Transpose), WASM) },
  { kernelName: Tile, replaces: true, make: (original) => makeTileKernel(shipped(original, Tile), WASM) },
  {
    kernelName: DepthToSpace,
    replaces: true,
    make: (original) => makeDepthToSpaceKernel(shipped(original, DepthToSpace), WASM),
  },
  // Shipped but wrong: writes int32 whatever the dtype; ours wraps it.
  {
    kernelName: OneHot,
    replaces: true,
    make: (original) => makeOneHotKernel(shipped(original, OneHot), WASM),
  },
];

function shipped(original: KernelConfig | undefined, kernelName: string): KernelConfig {
  if (original === undefined) throw new Error(`the wasm ${kernelName} kernel to wrap is not registered`);
  return original;
}

/** Our registered configs by kernel name, so a later call recognises them. */
const ours = new Map<string, KernelConfig>();

/**
 * Registers attrib's training kernels for the 'wasm' backend: those tfjs-backend-wasm lacks
 * (`Conv2DBackpropFilter`, `UnsortedSegmentSum`) and replacements for those it gets wrong
 * (`ResizeBilinearGrad`, `ResizeNearestNeighborGrad`, `MaxPoolGrad`, `OneHot`), faster
 * `Conv2DBackpropInput` (transposed convolution), `Transpose`, `Tile` and `DepthToSpace`, plus the gradients tfjs
 * lacks on every backend (`DepthToSpace`, comparisons). Importing this module also registers
 * tfjs's own gradient functions, which tfjs-core alone lacks in Node.
 *
 * Idempotent and cheap to call again. Importing this module loads '@tensorflow/tfjs-backend-wasm'
 * (its JavaScript only; the backend need not be initialised). A missing kernel that someone else registered meanwhile (for example a future tfjs release) is
 * left alone.
 *
 * @returns the names of the kernels and gradients this call registered (empty on later calls).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const { kernelName, replaces, make } of WASM_KERNELS) {
    const current = getKernel(kernelName, WASM);
    if (current !== undefined && current.kernelFunc === ours.get(kernelName)?.kernelFunc) continue;
    if (current !== undefined && !replaces) continue;
    const config = make(current);
    if (current !== undefined) unregisterKernel(kernelName, WASM);
    registerKernel(config);
    ours.set(kernelName, config);
    registered.push(kernelName);
  }
  for (const name of registerExtraGradients()) registered.push(`${name} gradient`);
  return registered;
}

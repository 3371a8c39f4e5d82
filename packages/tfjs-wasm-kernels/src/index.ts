export { registerWasmTrainingKernels, type WasmKernelOptions } from './register-wasm-kernels.js';
export { adamUpdate, composedAdamUpdate, AdamUpdate, type AdamUpdateAttrs } from './ops/adam-update-op.js';
export {
  batchNormTraining,
  BatchNormTraining,
  BatchNormTrainingGrad,
  type BatchNormTrainingAttrs,
  type BatchNormTrainingResult,
  type NormActivation,
} from './ops/batch-norm-training-op.js';
export {
  convTranspose2dAffine,
  ConvTransposeAffine,
  type AffineActivation,
  type ConvTransposeAffineAttrs,
  type TransposedConvPadding,
} from './ops/conv-transpose-affine-op.js';
// Which route a transposed convolution takes, and the WebAssembly matrix product itself: for tests
// and the benchmarks that measure the product's ceiling.
export { transposedConvPath, type TransposedConvPath } from './kernels/conv2d-backprop-input.js';
export {
  compileIndirectGemm,
  indirectGemmIsFused,
  instantiateIndirectGemm,
  TILE_COLUMNS,
  TILE_ROWS,
  type IndirectGemm,
} from './simd/indirect-gemm.js';
export { webAssembly, type WasmMemory } from './simd/webassembly.js';

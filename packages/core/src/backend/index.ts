export { registerWasmTrainingKernels, type WasmKernelOptions } from './register-wasm-kernels.js';
export {
  selectBackend,
  describeBackends,
  type BackendName,
  type BackendAttempt,
  type BackendSelection,
  type SelectBackendOptions,
  type BackendReport,
} from './select.js';
export {
  convTranspose2dAffine,
  ConvTransposeAffine,
  type AffineActivation,
  type ConvTransposeAffineAttrs,
  type TransposedConvPadding,
} from './conv-transpose-affine.js';
export {
  batchNormTraining,
  BatchNormTraining,
  BatchNormTrainingGrad,
  type BatchNormTrainingAttrs,
  type BatchNormTrainingResult,
  type NormActivation,
} from './batch-norm-training.js';

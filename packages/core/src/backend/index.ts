import './gradients.js';
export { registerWasmTrainingKernels, type WasmKernelOptions } from '@attrib/tfjs-wasm-kernels';
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
} from '@attrib/tfjs-wasm-kernels';
export {
  batchNormTraining,
  BatchNormTraining,
  BatchNormTrainingGrad,
  type BatchNormTrainingAttrs,
  type BatchNormTrainingResult,
  type NormActivation,
} from '@attrib/tfjs-wasm-kernels';

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

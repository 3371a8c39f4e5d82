export { registerWasmTrainingKernels } from './register-wasm-kernels.js';

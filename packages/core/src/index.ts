export * from './contracts/index.js';
export * from './plugins/index.js';
export * from './backend/index.js';
export * from './engine/index.js';
export * from './metrics/index.js';
export * from './data/index.js';
export * from './io/index.js';
export * from './torch/index.js';
export { createRng, permutation } from './util/rng.js';

export * from './image.js';
export * from './rng.js';
export * from './generator.js';
export * from './key.js';
export * from './post-process.js';
export * from './image-source.js';
export * from './adapter.js';
export * from './metric.js';

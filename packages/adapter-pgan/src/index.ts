export { pganAdapter } from './adapter.js';
export { PGAN_DEFAULTS, pganImageSide, resolvePganConfig, type PganConfig } from './config.js';
export { PganGenerator } from './generator.js';
export {
  importPganReference, inferPganConfig, parsePganImportOptions, pganConfigFromZoo,
  type PganImportOptions, type PganWeights,
} from './reference.js';
export { pganPaperProfile } from './profile.js';

export { cycleganAdapter } from './adapter.js';
export { CYCLEGAN_DEFAULTS, inputShapeOf, outputShapeOf, resolveCycleganConfig, type CycleganConfig } from './config.js';
export { CycleganGenerator } from './generator.js';
export { instanceNorm, reflectionPad } from './layers.js';
export { resnetLayout, type ConvSpec, type ResnetLayout } from './layout.js';
export {
  importCycleganReference, inferCycleganConfig, parseCycleganImportOptions, type CycleganImportOptions,
} from './reference.js';
export { unalignedImageSource } from './unaligned-source.js';
export { cycleganPaperProfile, type CycleganProfile } from './profile.js';

export { dcganAdapter, loadPretrainedDcgan } from './adapter.js';
export { DCGAN_DEFAULTS, DCGAN_RESOLUTIONS, resolveDcganConfig, type DcganConfig, type DcganResolution } from './config.js';
export { DcganGenerator } from './generator.js';
export { DcganDiscriminator } from './discriminator.js';
export { generatorPlan, discriminatorPlan, type GeneratorLayerPlan, type DiscriminatorLayerPlan } from './architecture.js';
export { PRETRAINED_DCGANS, findPretrained, type PretrainedDcgan } from './pretrained.js';
export { trainDcganRoot, trainStep, DCGAN_ROOT_TRAINING_DEFAULTS } from './root-training/trainer.js';
export { imageGrid } from './root-training/grid.js';
export { bceWithLogits } from './root-training/losses.js';

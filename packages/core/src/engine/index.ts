export { Adam, type AdamSettings } from './adam.js';
export { epochBatches, epochBatchSizes } from './batches.js';
export type { EpochRecord, StageContext, TrainingEvent } from './context.js';
export {
  authenticHinge, cosineTargetPenalty, keyedHinge, lpDistance, orthogonalityPenalty, shiftRegression, unitNormPenalty,
} from './losses.js';
export {
  DEFAULT_OPTIONS, resolveOptions,
  type AngleTerm, type EpochOptions, type FirstStageOptions, type GeneratorObjective, type GeneratorOptimizerOptions,
  type GeneratorStageOptions, type KeyStageOptions, type LpNorm, type OptionsInput, type RobustStageOptions,
  type ShiftOptions, type StageName, type StageOptions,
} from './options.js';
export { MemoryStateStore, type StateStore, type TrainingState } from './state.js';
export { FIRST_UNIT, trainFirstStage, type FirstStageResult } from './first-stage.js';
export { keyUnit, trainKey, trainKeys, type KeyResult } from './key-stage.js';
export { generatorUnit, trainKeyedGenerator, type KeyedGeneratorResult } from './generator-stage.js';
export { robustUnit, trainRobustGenerator, type RobustResult } from './robust-stage.js';
export * from './runs/index.js';

export type { RunHooks, RunServices } from './services.js';
export { fingerprint, loadRoot, openData, PRETRAINED_PREFIX, type LoadedRoot } from './root.js';
export { openRunSession, resumeCommand, rootCheckpoint, type RunSession } from './session.js';
export { initRun, type InitRunRequest, type InitRunResult } from './init-run.js';
export { addKeys, nextKeyIds, type AddKeysRequest, type AddKeysResult } from './add-keys.js';
export { importKeys, type ImportKeysRequest, type ImportKeysResult } from './import-keys.js';
export { trainGenerators, type TrainGeneratorsRequest, type TrainGeneratorsResult } from './train-generators.js';
export { trainRobust, type PostProcessRequest, type TrainRobustRequest, type TrainRobustResult } from './train-robust.js';
export {
  DEFAULT_EVALUATION_METRICS, evaluateRun, type EvaluateRunRequest, type EvaluateRunResult, type GeneratorVariant,
} from './evaluate-run.js';
export { runPipeline, type RunPipelineRequest, type RunPipelineResult } from './run-pipeline.js';

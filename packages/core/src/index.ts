// The public API of @attrib/core, by name. Anything not listed here is internal to core.

// Contracts: what a plugin implements and what the engine hands it
export { imageSize, formatShape, sameShape, type ImageShape, type FlattenOrder } from './contracts/image.js';
export { type Rng } from './contracts/rng.js';
export {
  type GeneratorMode,
  type GeneratorInputKind,
  type NamedTensors,
  type Generator,
} from './contracts/generator.js';
export { type Key } from './contracts/key.js';
export {
  type ParamValue,
  type Params,
  type PostProcessContext,
  type PostProcess,
  type PostProcessFactory,
  type PostProcessStrength,
} from './contracts/post-process.js';
export {
  type ImageSource,
  type ImageSourceOptions,
  type ImageSourceFactory,
} from './contracts/image-source.js';
export {
  type AdapterContext,
  type PretrainedGeneratorInfo,
  type AdapterProfile,
  type GeneratorAdapter,
} from './contracts/adapter.js';
export {
  type RootTrainingOptions,
  type RootTrainingEvent,
  type RootTrainingResult,
} from './contracts/root-training.js';
export {
  type MetricContext,
  type MetricResult,
  type MetricOutline,
  type MetricParts,
  type Metric,
} from './contracts/metric.js';

export { type StateStore, type TrainingState } from './contracts/training-state.js';

// Plugins: defining them and the host that discovers and registers them
export { TOKENS, type PluginKind } from './plugins/tokens.js';
export { definePlugin, type AttribPlugin, type PluginRegistrar } from './plugins/plugin.js';
export {
  createPluginHost,
  type ContributionRecord,
  type ContributionTypes,
  type PluginHost,
  type PluginModule,
  type PluginOrigin,
} from './plugins/host.js';
export { createLoadedPluginHost, type LoadedPluginHost, type LoadReport } from './plugins/load.js';

// Backends: picking one; the fused ops of the wasm kernels package
export {
  registerWasmTrainingKernels,
  type WasmKernelOptions,
  convTranspose2dAffine,
  ConvTransposeAffine,
  type AffineActivation,
  type ConvTransposeAffineAttrs,
  type TransposedConvPadding,
  batchNormTraining,
  type BatchNormTrainingResult,
  type NormActivation,
} from '@attrib/tfjs-wasm-kernels';
export {
  selectBackend,
  describeBackends,
  type BackendName,
  type BackendAttempt,
  type BackendSelection,
  type SelectBackendOptions,
  type BackendReport,
} from './backend/select.js';

// Engine: stage options, the training stages and the run jobs over a run folder
export { type StageContext, type TrainingEvent } from './engine/context.js';
export {
  DEFAULT_OPTIONS,
  resolveOptions,
  STAGE_OPTION_INFO,
  type StageOptionInfo,
  type AngleTerm,
  type EpochOptions,
  type FirstStageOptions,
  type GeneratorObjective,
  type GeneratorOptimizerOptions,
  type GeneratorStageOptions,
  type KeyStageOptions,
  type LpNorm,
  type OptionsInput,
  type RobustStageOptions,
  type ShiftOptions,
  type StageName,
  type StageOptions,
} from './contracts/stage-options.js';
export { MemoryStateStore } from './engine/state.js';
export { trainFirstStage, type FirstStageResult } from './engine/first-stage.js';
export { trainKey, trainKeys, type KeyResult } from './engine/key-stage.js';
export { trainKeyedGenerator, type KeyedGeneratorResult } from './engine/generator-stage.js';
export { trainRobustGenerator, type RobustResult } from './engine/robust-stage.js';
export { type RunHooks, type RunServices } from './engine/runs/services.js';
export { initRun, type InitRunRequest, type InitRunResult } from './engine/runs/init-run.js';
export { addKeys, type AddKeysRequest, type AddKeysResult } from './engine/runs/add-keys.js';
export { importKeys, type ImportKeysRequest, type ImportKeysResult } from './engine/runs/import-keys.js';
// Units of a training job run elsewhere than in this process (a job queue's workers)
export {
  describeUnit,
  type UnitDispatcher,
  type UnitNote,
  type UnitOutcome,
  type UnitWorkerData,
  type UnitWorkerHandlers,
  type WorkUnit,
} from './engine/runs/workers/training-threads.js';
export { openUnitTrainer, type UnitTrainer } from './engine/runs/workers/unit-trainer.js';
export { startUnitThread, type UnitTask } from './engine/runs/workers/unit-threads.js';
export {
  describeTask,
  taskFolder,
  type RemoteNote,
  type RemoteStart,
  type RemoteTask,
  type RemoteTaskHandlers,
  type TaskDispatcher,
} from './engine/runs/workers/remote-task.js';
export { type RemoteThreadTask } from './engine/runs/workers/perform-task.js';
export { type FromPoolWorker, type ToPoolWorker } from './engine/runs/workers/thread-pool.js';
export {
  trainGenerators,
  type TrainGeneratorsRequest,
  type TrainGeneratorsResult,
} from './engine/runs/train-generators.js';
export {
  trainRobust,
  type PostProcessRequest,
  type TrainRobustRequest,
  type TrainRobustResult,
} from './engine/runs/train-robust.js';
export {
  DEFAULT_EVALUATION_METRICS,
  evaluateRun,
  type EvaluateRunRequest,
  type EvaluateRunResult,
  type GeneratorVariant,
} from './engine/runs/evaluate-run.js';
export { runPipeline, type RunPipelineRequest, type RunPipelineResult } from './engine/runs/run-pipeline.js';

// Metrics
export { distinguishability } from './metrics/distinguishability.js';
export { attributability } from './metrics/attributability.js';
export { psnr, quality, ssim } from './metrics/quality.js';
export { leakedKey, attackCost, psnrOfChange, LEAKED_KEY_SAMPLES, type AttackCost } from './metrics/leaked-key.js';
export { leastBoxShift } from './metrics/box-shift.js';
export { distortion } from './metrics/distortion.js';
export {
  collusion, collusionMetric, collusionSummaryName, COLLUSION_SAMPLES, COLLUSION_SIZES, type CollusionCell, type CollusionOptions,
} from './metrics/collusion.js';
export { averageWeights, pooledImages, spliceImages, spliceOwner, POOL_METHODS, type PoolMethod } from './collusion/pool.js';
export { claimOutcome, CLAIM_OUTCOMES, type ClaimOutcome } from './collusion/claims.js';
export { floor, FLOOR_MARGIN, FLOOR_SAMPLES } from './metrics/floor.js';

// Data sources
export { U8ImageSource } from './data/u8-image-source.js';
export { mnistImageSource } from './data/mnist.js';
export { folderImageSource } from './data/folder.js';

// Files: atomic writes, PNG, checkpoints, generator files, run folders
export { writeFileAtomic, writeJsonAtomic } from './util/atomic-write.js';
export { encodePng, decodePng, readPng, writePng, type Image8 } from './io/png.js';
export {
  CHECKPOINT_FORMAT,
  loadCheckpoint,
  isAttribCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointHeader,
  type TensorEntry,
} from './io/checkpoint.js';
export {
  loadGenerator,
  saveGenerator,
  openGeneratorFile,
  type GeneratorFileFormat,
  type OpenGeneratorOptions,
} from './io/generator-file.js';
export {
  RUN_FORMAT,
  RunFolder,
  type DataSpec,
  type EvaluationRecord,
  type PendingJob,
  type RootReference,
  type RunManifest,
  type UnitProgress,
} from './io/run-folder.js';

// Reading untrusted files: one-line errors naming the file, the limits checked before allocating,
// the switch that skips a run's root hash check
export { ReadError } from './util/read-error.js';
export { DEFAULT_READ_LIMITS, readLimits, setReadLimits, type ReadLimits } from './util/read-limits.js';
export { SKIP_HASH_CHECK_ENV } from './engine/runs/verify-root.js';
export { nothingToResume } from './engine/runs/session.js';

// Keys
export { LinearKey } from './keys/linear-key.js';
export { projectBatchOntoKeyedSide, projectOntoKeyedSide, type KeyProjection } from './keys/projection.js';
export { keyThroughPostProcess } from './keys/key-through-post-process.js';
export { KEY_FORMAT, loadKey, saveKey, type KeyFile } from './keys/key-file.js';

// Reading PyTorch files (no code runs from them) and NumPy arrays
export { readTorchFile } from './torch/torch-file.js';
export { describePyValue, type PyDict, type PyKey, type PyValue } from './torch/py-values.js';
export { TorchTensor, type TorchDtype, type TorchValues } from './torch/torch-tensor.js';
export {
  objectFields,
  stateDictTensors,
  stripDataParallelPrefix,
  toNamedTensors,
} from './torch/state-dict.js';
export { generatorFromStateDict } from './torch/reference-generator.js';
export { readNpy, writeNpy, type NpyArray } from './torch/npy.js';

// Seeded randomness
export { createRng, permutation } from './util/rng.js';
export { checkGeneratorMode, normalLatents } from './util/generator-kit.js';

// Identify: which key claims an image
export { verdictOf, weighVerdict, type KeyScore, type Verdict, type VerdictKind } from './identify/verdict.js';
export { evidenceModel, judge, type EvidenceModel } from './identify/evidence.js';
export { listImageFiles } from './identify/image-files.js';
export { identifyFiles, loadRunKeys, type FileVerdict, type IdentifyOptions } from './identify/identify.js';

// Export to TensorFlow.js models and image generation
export { EXPORT_FILES, EXPORT_FORMAT, type ExportInfo } from './export/export-info.js';
export { exportGenerator, type ExportResult } from './export/write-export.js';
export { loadExportedModel } from './export/load-export.js';
export {
  generateImages,
  type GenerateImagesOptions,
  type GenerateImagesResult,
} from './export/generate-images.js';

// Registry: users and their keys
export {
  REGISTRY_FORMAT,
  type RegistryIndex,
  type RegistryUser,
  type RemovedUser,
  type UserStatus,
} from './registry/registry-folder.js';
export { initRegistry, type InitRegistryRequest, type InitRegistryResult } from './registry/init-registry.js';
export { addUser, trainRegistryGenerator, type AddUserRequest, type AddUserResult } from './registry/add-user.js';
export { addUsers, type AddedUser, type AddUsersRequest, type AddUsersResult } from './registry/add-users.js';
export { removeUser, type RemoveUserResult } from './registry/remove-user.js';
export { exportUserKey, type ExportUserKeyResult } from './registry/export-key.js';
export { listRegistry, type RegistryListing, type UserListing } from './registry/list-users.js';
export { openRegistryKeys, type LabelledKeys } from './registry/open-keys.js';

// Studies: grids of runs, their table and plots
export {
  parseStudyConfig,
  type StudyAngle,
  type StudyBase,
  type StudyConfig,
  type StudyEvaluation,
  type StudyPostProcess,
  type StudyTraining,
} from './study/config.js';
export { planCells, type BaseInfo, type StudyCell } from './study/plan.js';
export { runStudy, type StudyHooks, type StudyResult, type StudyRunOptions } from './study/run-study.js';
export { type CollusionRow } from './study/collusion-rows.js';
export { STUDY_FORMAT, type StudyFile, type StudyRow } from './study/study-file.js';
export { svgPlot, type PlotSeries } from './study/svg-plot.js';

// Calibration: exact binomial bounds, thresholds for a target false-attribution rate, fitted tails
export { clopperPearson, binomialLowerTail, binomialUpperTail, type MeasuredRate } from './calibration/binomial.js';
export { normalCdf, normalQuantile, regularizedBeta, inverseRegularizedBeta } from './calibration/special.js';
export { fitGaussianTail, tailProbability, tailQuantile, TAIL_FRACTION, type GaussianTail } from './calibration/tail-fit.js';
export {
  authenticProbability,
  checkRate,
  chooseThreshold,
  countAtMost,
  countBelow,
  largestShowableCount,
  rateBelow,
  type AuthenticProbability,
  type Threshold,
  type ThresholdBasis,
} from './calibration/threshold.js';
export { scoreHistogram, HISTOGRAM_BINS, type ScoreHistogram } from './calibration/histogram.js';
export { calibrateKey, type FalseAttribution, type KeyCalibration, type KeyScoreSets } from './calibration/key-calibration.js';
export {
  CALIBRATION_FILE,
  CALIBRATION_FORMAT,
  calibrationPath,
  readCalibration,
  writeCalibration,
  type CalibrationFile,
  type CalibrationSet,
} from './calibration/calibration-file.js';
export {
  calibrateRun,
  DEFAULT_TARGET_FPR,
  type CalibrateRunRequest,
  type CalibrateRunResult,
} from './engine/runs/calibrate-run.js';
export { CALIBRATION_SAMPLES, heldOutSpec, type RunScoreRequest } from './engine/runs/run-scores.js';
export { angleBound, boundDegrees, keyExtent, type KeyExtent } from './calibration/angle-bound.js';
export {
  certify,
  keyPairAngles,
  type Certificate,
  type CertifiedPair,
  type KeyDistinguishability,
  type KeyPairAngle,
} from './calibration/certificate.js';
export { certifyRun, type CertifyRunRequest, type CertifyRunResult } from './engine/runs/certify-run.js';

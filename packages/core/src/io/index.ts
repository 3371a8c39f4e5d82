export { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { encodePng, decodePng, readPng, writePng, type Image8 } from './png.js';
export {
  CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint,
  type Checkpoint, type CheckpointHeader, type TensorEntry,
} from './checkpoint.js';
export { loadGenerator, saveGenerator } from './generator-file.js';
export {
  checkName, RUN_FORMAT, RunFolder,
  type DataSpec, type EvaluationRecord, type PendingJob, type RootReference, type RunManifest, type UnitProgress,
} from './run-folder.js';
export { keyImage, sampleGrid } from './run-folder-images.js';

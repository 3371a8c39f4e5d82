export { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { encodePng, decodePng, readPng, writePng, type Image8 } from './png.js';
export {
  CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint,
  type Checkpoint, type CheckpointHeader, type TensorEntry,
} from './checkpoint.js';
export { loadGenerator, saveGenerator } from './generator-file.js';

export { verdictOf, type KeyScore, type Verdict, type VerdictKind } from './verdict.js';
export { listImageFiles, readImageAs } from './image-files.js';
export { identifyFiles, loadRunKeys, type FileVerdict, type IdentifyOptions } from './identify.js';

export { LinearKey } from './linear-key.js';
export { KEY_FORMAT, loadKey, reorder, saveKey, type KeyFile } from './key-file.js';

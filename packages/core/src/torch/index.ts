export { readTorchFile, decodeTorchFile } from './torch-file.js';
export { unpickle, type PickleCallable, type UnpickleOptions, type UnpickleResult } from './pickle.js';
export {
  PyClassRef, PyObject, describePyValue, isPyDict, pyToJson, type PyDict, type PyKey, type PyValue,
} from './py-values.js';
export {
  STORAGE_DTYPES, TorchStorage, TorchTensor, bfloat16ToFloat, halfToFloat, type TorchDtype, type TorchValues,
} from './torch-tensor.js';
export { moduleStateDict, objectFields, stateDictTensors, stripDataParallelPrefix, toNamedTensors } from './state-dict.js';
export { readReferenceKey } from './reference-key.js';
export { openZip, looksLikeZip, type ZipArchive } from './zip.js';
export { decodeNpy, encodeNpy, readNpy, writeNpy, type NpyArray } from './npy.js';

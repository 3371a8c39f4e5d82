import { readFile } from 'node:fs/promises';
import { unpickle, type PickleCallable } from './pickle.js';
import { PyClassRef, PyObject, describePyValue, type PyDict, type PyValue } from './py-values.js';
import { STORAGE_DTYPES, TorchStorage, TorchTensor } from './torch-tensor.js';
import { looksLikeZip, openZip } from './zip.js';
import { ReadError, guardRead, ioReason } from '../util/read-error.js';

/**
 * Reads a `.pth` file written by `torch.save`, without running any of its code. Understands the
 * zip format (torch >= 1.6: `<name>/data.pkl` plus `<name>/data/<key>` storages) and the legacy
 * format (torch < 1.6 and `_use_new_zipfile_serialization=False`: magic number, protocol and
 * system-info pickles, the main pickle, the list of storage keys, then each storage as an int64
 * element count followed by its bytes). Errors are one line naming the file.
 *
 * The value returned is inert data ({@link PyValue}): dicts are `Map`s, tensors
 * {@link TorchTensor}s, unknown objects (a config class, say) {@link PyObject}s.
 */
export async function readTorchFile(file: string): Promise<PyValue> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ReadError(file, `cannot read PyTorch file (${ioReason(error)})`);
  }
  return decodeTorchFile(bytes, file);
}

/** {@link readTorchFile} on bytes in memory; `source` names them in errors. */
export function decodeTorchFile(bytes: Uint8Array, source = 'PyTorch file'): PyValue {
  return guardRead(source, 'expected a PyTorch checkpoint (torch.save)', () => decodeAnyFormat(bytes, source));
}

function decodeAnyFormat(bytes: Uint8Array, source: string): PyValue {
  if (bytes.length === 0) throw new Error(`${source}: empty file, expected a PyTorch checkpoint`);
  if (looksLikeZip(bytes)) return decodeZipFormat(bytes, source);
  if (bytes[0] === 0x80) return decodeLegacyFormat(bytes, source);
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new Error(`${source}: a tar-format PyTorch file (torch < 0.4); re-save it with a newer torch`);
  }
  throw new Error(`${source}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** Functions a torch pickle may call. Each builds plain data; none can reach anything else. */
function torchCallables(source: string): Record<string, PickleCallable> {
  const rebuildTensor = (args: readonly PyValue[]): TorchTensor => {
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof TorchStorage)) throw new Error(`${source}: a tensor refers to ${describePyValue(storage)}, not a storage`);
    return new TorchTensor(storage, int(offset, 'storage offset'), ints(size, 'size'), ints(stride, 'stride'), requiresGrad === true, source);
  };
  const rebuildParameter = (args: readonly PyValue[]): TorchTensor => {
    const [data, requiresGrad] = args;
    if (!(data instanceof TorchTensor)) throw new Error(`${source}: a parameter wraps ${describePyValue(data ?? null)}, not a tensor`);
    data.isParameter = true;
    data.requiresGrad = requiresGrad === true;
    return data;
  };
  const int = (value: PyValue | undefined, what: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${source}: tensor ${what} is ${describePyValue(value)}, expected an int`);
    return value;
  };
  const ints = (value: PyValue | undefined, what: string): number[] => {
    if (!Array.isArray(value)) throw new Error(`${source}: tensor ${what} is ${describePyValue(value)}, expected a tuple of ints`);
    return value.map((item: PyValue) => int(item, what));
  };
  const setItems = (items: PyValue | undefined): readonly PyValue[] => {
    if (items === undefined) return [];
    if (!Array.isArray(items)) throw new Error(`${source}: a set built from ${describePyValue(items)}, expected a list`);
    return items;
  };
  return {
    'collections.OrderedDict': (args) => {
      const dict: PyDict = new Map();
      const items = args[0];
      if (Array.isArray(items)) {
        for (const pair of items as readonly PyValue[]) {
          if (Array.isArray(pair) && pair.length === 2 && (typeof pair[0] === 'string' || typeof pair[0] === 'number')) dict.set(pair[0], pair[1]!);
          else throw new Error(`${source}: OrderedDict item is ${describePyValue(pair)}, expected a (key, value) pair`);
        }
      }
      return dict;
    },
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_parameter': rebuildParameter,
    'torch._utils._rebuild_parameter_with_state': rebuildParameter,
    'torch.Size': (args) => Object.freeze(ints(args[0], 'size')),
    // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
    '_codecs.encode': (args) => {
      const [text, encoding] = args;
      if (typeof text !== 'string') throw new Error(`${source}: _codecs.encode of ${describePyValue(text)}`);
      if (encoding === 'latin1' || encoding === 'latin-1') return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
      if (encoding === 'utf-8' || encoding === 'utf8') return new TextEncoder().encode(text);
      throw new Error(`${source}: _codecs.encode with encoding ${String(encoding)} is not supported`);
    },
    // Sets (a module's _non_persistent_buffers_set) read as lists, frozensets as tuples.
    'builtins.set': (args) => [...setItems(args[0])],
    '__builtin__.set': (args) => [...setItems(args[0])],
    'builtins.frozenset': (args) => Object.freeze([...setItems(args[0])]),
    '__builtin__.frozenset': (args) => Object.freeze([...setItems(args[0])]),
    // How protocols 0 and 1 pickle a plain object: read as an inert object of that class.
    'copyreg._reconstructor': (args) => {
      const [cls] = args;
      if (!(cls instanceof PyClassRef)) throw new Error(`${source}: copyreg._reconstructor of ${describePyValue(cls)}`);
      return new PyObject(cls.qualifiedName, []);
    },
  };
}

/** The storage a persistent id `('storage', StorageClass, key, location, numel, [view])` names. */
function parseStoragePid(pid: PyValue, source: string): { cls: { dtype: TorchStorage['dtype']; bytes: number }; key: string; numel: number; view: PyValue } {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new Error(`${source}: persistent id ${describePyValue(pid)} is not a torch storage reference`);
  }
  const [, type, key, , numel, view] = pid as readonly PyValue[];
  if (!(type instanceof PyClassRef) || (type.module !== 'torch' && type.module !== 'torch.cuda')) {
    throw new Error(`${source}: storage of type ${describePyValue(type ?? null)} is not supported`);
  }
  const cls = STORAGE_DTYPES[type.name];
  if (!cls) throw new Error(`${source}: storage type ${type.qualifiedName} is not supported`);
  if (typeof key !== 'string' || typeof numel !== 'number') throw new Error(`${source}: malformed storage reference for key ${String(key)}`);
  if (!Number.isSafeInteger(numel) || numel < 0) throw new Error(`${source}: storage ${key} declares ${numel} elements, expected a non-negative integer`);
  return { cls, key, numel, view: view ?? null };
}

function decodeZipFormat(bytes: Uint8Array, source: string): PyValue {
  const zip = openZip(bytes, source);
  const pickleName = zip.names
    .filter((name) => name === 'data.pkl' || name.endsWith('/data.pkl'))
    .sort((a, b) => a.length - b.length)[0];
  if (!pickleName) throw new Error(`${source}: zip archive has no data.pkl; not a torch.save file`);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new Error(`${source}: byte order ${order}; only little-endian checkpoints are read`);
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const { cls, key, numel } = parseStoragePid(pid, source);
    let storage = storages.get(key);
    if (!storage) {
      const entry = `${prefix}data/${key}`;
      if (!zip.has(entry)) throw new Error(`${source}: storage ${key} (${entry}) is missing from the archive`);
      // The declared size is checked before the entry is inflated.
      if (zip.sizeOf(entry) < numel * cls.bytes) {
        throw new Error(`${source}: storage ${key} has ${zip.sizeOf(entry)} bytes, expected ${numel * cls.bytes}`);
      }
      const data = zip.read(entry);
      if (data.byteLength < numel * cls.bytes) {
        throw new Error(`${source}: storage ${key} has ${data.byteLength} bytes, expected ${numel * cls.bytes}`);
      }
      storage = new TorchStorage(key, cls.dtype, cls.bytes, numel);
      storage.attach(data);
      storages.set(key, storage);
    }
    return storage;
  };
  const { value } = unpickle(zip.read(pickleName), 0, { source, callables: torchCallables(source), persistentLoad });
  return value;
}

function decodeLegacyFormat(bytes: Uint8Array, source: string): PyValue {
  const header = { source, callables: {} };
  const magic = unpickle(bytes, 0, header);
  if (magic.value !== LEGACY_MAGIC) throw new Error(`${source}: a pickle but not a torch.save file (no torch magic number)`);
  const protocol = unpickle(bytes, magic.end, header);
  if (protocol.value !== LEGACY_PROTOCOL) throw new Error(`${source}: legacy torch protocol ${String(protocol.value)}, expected ${LEGACY_PROTOCOL}`);
  const sysInfo = unpickle(bytes, protocol.end, header);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new Error(`${source}: saved on a big-endian machine; only little-endian checkpoints are read`);
  }

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const { cls, key, numel, view } = parseStoragePid(pid, source);
    let root = storages.get(key);
    if (!root) {
      root = new TorchStorage(key, cls.dtype, cls.bytes, numel);
      storages.set(key, root);
    }
    if (view === null) return root;
    // Legacy storage views: (view_key, offset, view_size) into the root storage.
    const [viewKey, offset, viewSize] = view as readonly PyValue[];
    if (typeof offset !== 'number' || typeof viewSize !== 'number') throw new Error(`${source}: malformed storage view of ${key}`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(viewSize) || offset < 0 || viewSize < 0 || offset + viewSize > numel) {
      throw new Error(`${source}: storage view of ${key} at offset ${offset} of ${viewSize} elements, expected inside its ${numel} elements`);
    }
    return new TorchStorage(String(viewKey), cls.dtype, cls.bytes, viewSize, { storage: root, offset });
  };
  const main = unpickle(bytes, sysInfo.end, { source, callables: torchCallables(source), persistentLoad });
  const keyList = unpickle(bytes, main.end, header);
  if (!Array.isArray(keyList.value)) throw new Error(`${source}: storage key list is ${describePyValue(keyList.value)}, expected a list`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keyList.end;
  for (const key of keyList.value as readonly PyValue[]) {
    const storage = storages.get(String(key));
    if (!storage) throw new Error(`${source}: storage ${String(key)} is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw new Error(`${source}: truncated file (storage ${storage.key} is missing)`);
    const count = Number(view.getBigInt64(at, true));
    if (count !== storage.numel || count < 0) throw new Error(`${source}: storage ${storage.key} holds ${count} elements, expected ${storage.numel}`);
    const start = at + 8;
    const end = start + count * storage.elementBytes;
    if (end > bytes.length) throw new Error(`${source}: truncated file (storage ${storage.key} needs ${end - bytes.length} more bytes)`);
    storage.attach(bytes.subarray(start, end));
    at = end;
  }
  return main.value;
}

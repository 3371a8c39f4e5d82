import { TorchStorage, TorchTensor } from './torch-tensor.js';

/**
 * Python values as the safe unpickler returns them. Nothing here is ever executed: classes are
 * names, objects are their class name plus the state pickle gave them.
 *
 * - `None` is `null`; `bool`, `str` and `float` are their JS counterparts.
 * - `int` is a `number` when it fits a double exactly, else a `bigint`.
 * - `bytes` is a `Uint8Array`; `list` is an array; `tuple` is a frozen array.
 * - `dict` and `collections.OrderedDict` are a {@link PyDict} (a `Map`, insertion-ordered).
 * - a tensor is a {@link TorchTensor} (a bare storage a {@link TorchStorage}); any other object
 *   is a {@link PyObject}.
 */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | readonly PyValue[]
  | PyDict
  | PyObject
  | PyClassRef
  | TorchTensor
  | TorchStorage;

/** Keys a pickled dict may have here (tuples and objects as keys are refused). */
export type PyKey = string | number | bigint | boolean | null;

/** A Python `dict` or `OrderedDict`. */
export type PyDict = Map<PyKey, PyValue>;

/** A reference to a Python class or function by name (the operand of `GLOBAL`), never resolved. */
export class PyClassRef {
  constructor(readonly module: string, readonly name: string) {}

  /** `module.name`, as Python prints it. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An instance of a class the reader does not know, kept as inert data: the class name, the
 * arguments pickle passed to `__new__`, and the state `BUILD` gave it (usually its `__dict__`).
 * The GAN zoo's `BaseConfig` reads as one of these.
 */
export class PyObject {
  /** What `BUILD` assigned; undefined when the pickle had no state for it. */
  state: PyValue | undefined = undefined;

  constructor(readonly className: string, readonly args: readonly PyValue[]) {}

  /**
   * The instance's attributes: the dict state (or the dict of a `(dict, slots)` state tuple),
   * merged with the slots dict. Empty when it has no dict state.
   */
  get fields(): PyDict {
    const out: PyDict = new Map();
    const state = this.state;
    const parts = Array.isArray(state) && state.length === 2 ? state : [state];
    for (const part of parts) {
      if (part instanceof Map) for (const [key, value] of part) out.set(key, value);
    }
    return out;
  }
}

export function isPyDict(value: unknown): value is PyDict {
  return value instanceof Map;
}

/** A short description of a value's Python type, for error messages. */
export function describePyValue(value: unknown): string {
  if (value === null) return 'None';
  if (value === undefined) return 'nothing';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return Number.isInteger(value) || typeof value === 'bigint' ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (value instanceof Map) return 'dict';
  if (value instanceof PyObject) return `object of class ${value.className}`;
  if (value instanceof PyClassRef) return `class ${value.qualifiedName}`;
  if (value instanceof TorchTensor) return `${value.dtype} tensor`;
  if (value instanceof TorchStorage) return `${value.dtype} storage`;
  return typeof value;
}

/** How deep {@link pyToJson} follows containers (JSON.stringify of deeper data overflows the stack). */
const MAX_JSON_DEPTH = 1000;

/**
 * Converts inert Python data to JSON-safe JS: dicts with string keys become plain objects,
 * tuples and lists arrays, objects `{ __class__, ...fields }`, bigints numbers when exact
 * (else strings), bytes arrays of numbers. Tensors are replaced by `{ __tensor__: dtype, shape }`.
 */
export function pyToJson(value: PyValue | undefined, depth = 0): unknown {
  if (value === undefined || value === null) return null;
  if (depth > MAX_JSON_DEPTH) throw new Error(`value nested more than ${MAX_JSON_DEPTH} deep; expected plain configuration data`);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) out[String(key)] = pyToJson(item, depth + 1);
    return out;
  }
  if (value instanceof PyObject) return { __class__: value.className, ...(pyToJson(value.fields, depth + 1) as object) };
  if (value instanceof PyClassRef) return { __class__: 'type', name: value.qualifiedName };
  if (value instanceof TorchStorage) return { __storage__: value.dtype, numel: value.numel };
  if (value instanceof TorchTensor) return { __tensor__: value.dtype, shape: value.shape };
  return (value as readonly PyValue[]).map((item) => pyToJson(item, depth + 1));
}

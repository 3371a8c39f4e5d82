import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import { PyObject, describePyValue, type PyDict, type PyValue } from './py-values.js';
import { TorchTensor } from './torch-tensor.js';

/**
 * Finds a state dict inside a checkpoint read by `readTorchFile`: the value itself when it is a
 * dict of tensors, else `value[entry]` (`netG`, `state_dict`, ...). Returns tensors by name, in
 * file order. Errors name the file and what was found instead.
 */
export function stateDictTensors(value: PyValue, source: string, entry?: string): Map<string, TorchTensor> {
  let dict: PyValue | undefined = value;
  if (entry !== undefined) {
    if (!(value instanceof Map)) throw new Error(`${source}: holds a ${describePyValue(value)}, expected a dict with an entry ${entry}`);
    if (!value.has(entry)) {
      throw new Error(`${source}: has no entry ${entry} (entries: ${[...value.keys()].map(String).join(', ')})`);
    }
    dict = value.get(entry);
  }
  const where = entry === undefined ? source : `${source} [${entry}]`;
  if (!(dict instanceof Map)) throw new Error(`${where}: holds a ${describePyValue(dict ?? null)}, expected a state dict`);
  const out = new Map<string, TorchTensor>();
  for (const [name, tensor] of dict) {
    if (!(tensor instanceof TorchTensor)) throw new Error(`${where}: entry ${String(name)} is a ${describePyValue(tensor)}, expected a tensor`);
    out.set(String(name), tensor);
  }
  return out;
}

/**
 * TensorFlow.js copies of torch tensors, same names and shapes (float32, or int32 for integer
 * tensors). `skip` drops names such as batch norm's `num_batches_tracked`. The caller disposes them.
 */
export function toNamedTensors(tensors: ReadonlyMap<string, TorchTensor>, skip: (name: string) => boolean = () => false): NamedTensors {
  const out: NamedTensors = {};
  try {
    for (const [name, tensor] of tensors) if (!skip(name)) out[name] = tensor.toTf(name);
  } catch (error) {
    tf.dispose(Object.values(out));
    throw error;
  }
  return out;
}

/** The attributes of a pickled plain object (a config), or of a dict, by name. */
export function objectFields(value: PyValue | undefined, source: string, what: string): PyDict {
  if (value instanceof PyObject) return value.fields;
  if (value instanceof Map) return value;
  throw new Error(`${source}: ${what} is a ${describePyValue(value ?? null)}, expected an object or dict`);
}

import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import { PyObject, describePyValue, type PyDict, type PyValue } from './py-values.js';
import { TorchTensor } from './torch-tensor.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/**
 * Finds a state dict inside a checkpoint read by `readTorchFile`: the value itself when it is a
 * dict of tensors, else `value[entry]` (`netG`, `state_dict`, ...). A whole pickled `nn.Module`
 * (`torch.save(model)`) gives its parameters and buffers as `model.state_dict()` names them.
 * Returns tensors by name, in file order. Errors name the file and what was found instead.
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
  if (dict instanceof PyObject && dict.fields.has('_modules')) return moduleStateDict(dict, where);
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

/**
 * The state dict of a whole `nn.Module` pickled with `torch.save(model)`, read from its inert
 * object: `_parameters` and `_buffers` of it and its `_modules`, recursively, under dotted names
 * (None entries skipped). Buffers named in `_non_persistent_buffers_set` are left out, as
 * `state_dict()` does.
 */
export function moduleStateDict(module: PyObject, source: string): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  const maxNesting = readLimits().maxNesting;
  // Iterative, depth-first in file order, so that deep or cyclic module trees are an error
  // naming the file rather than a stack overflow.
  const pending: { object: PyValue | undefined; prefix: string; depth: number }[] = [{ object: module, prefix: '', depth: 0 }];
  const seen = new Set<PyObject>();
  while (pending.length > 0) {
    const { object, prefix, depth } = pending.pop()!;
    if (object === null) continue;
    if (!(object instanceof PyObject)) throw new Error(`${source}: module ${prefix || '(root)'} is a ${describePyValue(object ?? null)}, expected an nn.Module`);
    if (seen.has(object)) throw new Error(`${source}: module ${prefix.slice(0, -1) || '(root)'} contains itself; expected a tree of nn.Modules`);
    if (depth > maxNesting) {
      throw new Error(`${source}: modules nested more than ${maxNesting} deep, expected a model (raise the limit with ${limitVariable('maxNesting')})`);
    }
    seen.add(object);
    const fields = object.fields;
    const nonPersistent = fields.get('_non_persistent_buffers_set');
    const skip = new Set(Array.isArray(nonPersistent) ? (nonPersistent as readonly PyValue[]).map(String) : []);
    for (const group of ['_parameters', '_buffers']) {
      const entries = fields.get(group);
      if (entries === undefined) continue;
      if (!(entries instanceof Map)) throw new Error(`${source}: ${prefix}${group} is a ${describePyValue(entries)}, expected a dict`);
      for (const [name, tensor] of entries) {
        if (tensor === null || (group === '_buffers' && skip.has(String(name)))) continue;
        if (!(tensor instanceof TorchTensor)) throw new Error(`${source}: ${prefix}${String(name)} is a ${describePyValue(tensor)}, expected a tensor`);
        out.set(`${prefix}${String(name)}`, tensor);
      }
    }
    const children = fields.get('_modules');
    if (children instanceof Map) {
      const list = [...children];
      for (let i = list.length - 1; i >= 0; i--) {
        const [name, child] = list[i]!;
        pending.push({ object: child, prefix: `${prefix}${String(name)}.`, depth: depth + 1 });
      }
    }
  }
  return out;
}

/** Drops the `module.` prefix `nn.DataParallel` adds, when every name has it. */
export function stripDataParallelPrefix(tensors: ReadonlyMap<string, TorchTensor>): Map<string, TorchTensor> {
  const names = [...tensors.keys()];
  if (names.length === 0 || !names.every((name) => name.startsWith('module.'))) return new Map(tensors);
  return new Map([...tensors].map(([name, tensor]) => [name.slice('module.'.length), tensor]));
}

import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@attrib/core';

/** One named weight of the generator, read and written in the reference's (PyTorch's) layout. */
export interface StateEntry {
  readonly name: string;
  /** Shape in the reference layout. */
  readonly shape: readonly number[];
  /** A new tensor in the reference layout. */
  read(): tf.Tensor;
  /** Assigns from a float32 tensor in the reference layout. */
  write(value: tf.Tensor): void;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Checks every entry (missing, mis-shaped, unexpected names) before assigning any, so a bad state
 * changes nothing. Errors are one line naming the entry and both shapes.
 */
export function assignState(entries: readonly StateEntry[], state: NamedTensors): void {
  for (const entry of entries) {
    const value = state[entry.name];
    if (value === undefined) throw new Error(`pgan: state has no entry '${entry.name}' (expected shape [${entry.shape.join(', ')}])`);
    if (!sameShape(value.shape, entry.shape)) {
      throw new Error(`pgan: entry '${entry.name}' has shape [${value.shape.join(', ')}]; expected [${entry.shape.join(', ')}]`);
    }
  }
  const known = new Set(entries.map((e) => e.name));
  const unexpected = Object.keys(state).find((name) => !known.has(name));
  if (unexpected !== undefined) throw new Error(`pgan: state has an unexpected entry '${unexpected}' (not part of this architecture)`);
  for (const entry of entries) {
    const value = state[entry.name]!;
    tf.tidy(() => entry.write(value.dtype === 'float32' ? value : tf.cast(value, 'float32')));
  }
}

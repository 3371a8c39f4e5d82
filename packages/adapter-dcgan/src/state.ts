import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@attrib/core';

/** One named weight of a network, read and written in the reference's (PyTorch's) layout. */
export interface StateEntry {
  readonly name: string;
  /** Shape in the reference layout. */
  readonly shape: readonly number[];
  /** May be absent from a state being loaded (PyTorch's `num_batches_tracked`, say). */
  readonly optional?: boolean;
  /** A new tensor in the reference layout (run inside tf.tidy). */
  read(): tf.Tensor;
  /** Assigns from a tensor in the reference layout (run inside tf.tidy). */
  write(value: tf.Tensor): void;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Every entry's weight, as a new tensor in the reference layout, by name. */
export function readState(entries: readonly StateEntry[]): NamedTensors {
  const out: NamedTensors = {};
  for (const entry of entries) out[entry.name] = tf.tidy(() => entry.read());
  return out;
}

/** Disposes the weights of conv layers with an optional batch norm. */
export function disposeLayers(layers: readonly { filter: tf.Variable; batchNorm?: { dispose(): void } | undefined }[]): void {
  for (const layer of layers) {
    layer.filter.dispose();
    layer.batchNorm?.dispose();
  }
}

/**
 * Checks every entry first (missing, mis-shaped, unexpected names), then assigns, so a bad state
 * changes nothing. Errors are one line naming the entry and both shapes.
 */
export function assignState(owner: string, entries: readonly StateEntry[], state: NamedTensors): void {
  const known = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    const value = state[entry.name];
    if (value === undefined) {
      if (entry.optional) continue;
      throw new Error(`${owner}: state has no entry '${entry.name}' (expected shape [${entry.shape.join(', ')}])`);
    }
    if (!sameShape(value.shape, entry.shape)) {
      throw new Error(`${owner}: entry '${entry.name}' has shape [${value.shape.join(', ')}]; expected [${entry.shape.join(', ')}]`);
    }
  }
  const unexpected = Object.keys(state).find((name) => !known.has(name));
  if (unexpected !== undefined) {
    throw new Error(`${owner}: state has an unexpected entry '${unexpected}' (not part of this architecture)`);
  }
  for (const entry of entries) {
    const value = state[entry.name];
    if (value !== undefined) tf.tidy(() => entry.write(value.dtype === 'float32' || entry.shape.length === 0 ? value : tf.cast(value, 'float32')));
  }
}

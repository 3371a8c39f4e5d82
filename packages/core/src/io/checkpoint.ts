import { open, readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { firstNonFinite } from '../util/finite.js';
import { ReadError, guardRead, ioReason } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/**
 * attrib's checkpoint file (`*.ckpt`): one file, so one atomic rename makes it appear whole.
 *
 *   bytes 0..7   ASCII `ATTRIBCK`
 *   bytes 8..11  header length L, uint32 little-endian
 *   bytes 12..   L bytes of UTF-8 JSON: {@link CheckpointHeader}
 *   then         each tensor's data, little-endian, in header order, at the offsets the header gives
 *                (relative to the end of the header)
 */
const MAGIC = 'ATTRIBCK';
export const CHECKPOINT_FORMAT = 'attrib-checkpoint/1';

/** Whether `file` starts with the attrib checkpoint signature (any other file is some reference format). */
export async function isAttribCheckpoint(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new Error(`${file}: cannot read checkpoint (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.toString('latin1') === MAGIC;
  } finally {
    await handle.close();
  }
}

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly offset: number;
  readonly byteLength: number;
}

export interface CheckpointHeader {
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Free JSON metadata: adapter name and config for generators, stage and epoch, and so on. */
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tensors: readonly TensorEntry[];
}

export interface Checkpoint {
  readonly meta: Readonly<Record<string, unknown>>;
  /** Owned by the caller, who disposes them. */
  readonly tensors: NamedTensors;
}

/** Serialises named tensors and metadata to checkpoint bytes. Does not dispose the tensors. */
export async function encodeCheckpoint(tensors: NamedTensors, meta: Record<string, unknown>): Promise<Uint8Array> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(`checkpoint: tensor ${name} has dtype ${tensor.dtype}; expected float32 or int32`);
    }
    const values = await tensor.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name, shape: tensor.shape, dtype: tensor.dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const header: CheckpointHeader = { format: CHECKPOINT_FORMAT, meta, tensors: entries };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + headerBytes.byteLength + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, 12);
  let position = 12 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

/**
 * Parses checkpoint bytes; `source` names the file in errors. The header is checked whole before
 * any tensor is made: every entry's name, dtype, shape (within the element limit), offset and
 * length must agree with each other and lie inside the file. NaN and infinities are refused.
 * Errors are one-line {@link ReadError}s.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  return guardRead(source, 'expected an attrib checkpoint', () => decodeCheckpointBytes(bytes, source));
}

function decodeCheckpointBytes(bytes: Uint8Array, source: string): Checkpoint {
  const fail = (what: string): never => {
    throw new ReadError(source, `not an attrib checkpoint (${what})`);
  };
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('missing ATTRIBCK signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) fail('truncated header');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength))) as CheckpointHeader;
  } catch {
    return fail('header is not JSON');
  }
  if (header === null || typeof header !== 'object') return fail('header is not a JSON object');
  if (header.format !== CHECKPOINT_FORMAT) fail(`format ${String(header.format)}, expected ${CHECKPOINT_FORMAT}`);
  if (!Array.isArray(header.tensors)) fail('header.tensors is not a list of tensors');
  if (header.meta === null || typeof header.meta !== 'object' || Array.isArray(header.meta)) fail('header.meta is not an object');
  const dataStart = 12 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const limit = readLimits().maxTensorElements;
  const names = new Set<string>();
  for (const [i, entry] of (header.tensors as unknown[]).entries()) {
    const e = entry as Partial<TensorEntry> | null;
    if (e === null || typeof e !== 'object') return fail(`tensor entry ${i} is not an object`);
    const name = typeof e.name === 'string' ? e.name : fail(`tensor entry ${i} has no name`);
    if (names.has(name)) fail(`tensor ${name} appears twice`);
    names.add(name);
    if (e.dtype !== 'float32' && e.dtype !== 'int32') fail(`tensor ${name} has dtype ${String(e.dtype)}, expected float32 or int32`);
    if (!Array.isArray(e.shape) || e.shape.length > 64 || e.shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
      fail(`tensor ${name} has shape ${JSON.stringify(e.shape ?? null)}, expected a list of non-negative integers`);
    }
    const count = e.shape!.reduce((a, b) => a * b, 1);
    if (count > limit) fail(`tensor ${name} has ${count} elements, expected at most ${limit}; raise it with ${limitVariable('maxTensorElements')}`);
    if (e.byteLength !== count * 4) fail(`tensor ${name} of shape [${e.shape!.join(', ')}] has byteLength ${String(e.byteLength)}, expected ${count * 4}`);
    if (!Number.isSafeInteger(e.offset) || e.offset! < 0) fail(`tensor ${name} has offset ${String(e.offset)}, expected a non-negative integer`);
    if (e.offset! + e.byteLength! > dataLength) fail(`tensor ${name} is truncated (bytes ${e.offset} to ${e.offset! + e.byteLength!} of ${dataLength})`);
  }
  const tensors: NamedTensors = {};
  try {
    for (const entry of header.tensors) {
      const start = dataStart + entry.offset;
      // Copy into a fresh, aligned buffer: the file's bytes need not be 4-byte aligned. (A Node
      // Buffer's own slice() would share memory, hence Uint8Array's.)
      const copy = Uint8Array.prototype.slice.call(bytes, start, start + entry.byteLength);
      const values = entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
      const bad = entry.dtype === 'float32' ? firstNonFinite(values) : -1;
      if (bad >= 0) throw new ReadError(source, `tensor ${entry.name} holds ${values[bad]} at element ${bad}; expected finite values`);
      tensors[entry.name] = tf.tensor(values, [...entry.shape], entry.dtype);
    }
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  return { meta: header.meta, tensors };
}

/** Writes a checkpoint file atomically. */
export async function saveCheckpoint(file: string, tensors: NamedTensors, meta: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(file, await encodeCheckpoint(tensors, meta));
}

/** Reads a checkpoint file; errors name the file. */
export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ReadError(file, `cannot read checkpoint (${ioReason(error)})`);
  }
  return decodeCheckpoint(bytes, file);
}

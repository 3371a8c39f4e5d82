import * as tf from '@tensorflow/tfjs-core';
import { formatShape, sameShape } from '../contracts/image.js';
import type { Key } from '../contracts/key.js';
import type { PostProcess } from '../contracts/post-process.js';
import { createRng } from '../util/rng.js';
import { listImageFiles, readImageAs } from './image-files.js';
import { judge, type EvidenceModel } from './evidence.js';
import type { Verdict } from './verdict.js';

/** The attribution of one file. */
export interface FileVerdict extends Verdict {
  readonly file: string;
}

export interface IdentifyOptions {
  /**
   * A post-process the images are assumed to have undergone. It is applied at evaluation
   * strength to each image before scoring, so the verdict is what the keys say about the image
   * after that post-process (how the robust metrics measure). Default: none.
   */
  readonly postProcess?: PostProcess;
  /** Seed of the post-process's randomness (noise, ...). Default 0. */
  readonly seed?: number;
  /**
   * A calibration's evidence model: each verdict then carries, per key, its bar and how often an
   * authentic image scores that low; with the model's rate, claims must be below the calibrated bars.
   */
  readonly evidence?: EvidenceModel;
  /** Called after each file. */
  readonly progress?: (done: number, total: number) => void;
}

/**
 * Attributes each image: files or folders of PNG/JPEG images of any size, read as
 * {@link readImageAs} documents, scored by every key (all keys must share one image shape).
 */
export async function identifyFiles(paths: readonly string[], keys: readonly Key[], options: IdentifyOptions = {}): Promise<FileVerdict[]> {
  if (keys.length === 0) throw new Error('no keys to identify with; the run or registry holds no finished keys');
  const shape = keys[0]!.shape;
  for (const key of keys) {
    if (!sameShape(key.shape, shape)) throw new Error(`key ${key.id} belongs to ${formatShape(key.shape)} images; key ${keys[0]!.id} to ${formatShape(shape)}`);
  }
  const files = await listImageFiles(paths);
  const rng = createRng(options.seed ?? 0);
  const out: FileVerdict[] = [];
  for (const [index, file] of files.entries()) {
    const image = await readImageAs(file, shape);
    let measured = image;
    try {
      if (options.postProcess) measured = await options.postProcess.apply(image, { mode: 'eval', rng: rng.fork(index) });
      const scores = tf.tidy(() => tf.stack(keys.map((k) => k.score(measured)), 1));
      const values = Array.from(await scores.data());
      scores.dispose();
      out.push({ file, ...judge(keys.map((k, i) => ({ key: k.id, score: values[i]! })), options.evidence) });
    } finally {
      if (measured !== image) measured.dispose();
      image.dispose();
    }
    options.progress?.(index + 1, files.length);
  }
  return out;
}

/** The finished keys of a run folder, in training order. The caller disposes them. */
export async function loadRunKeys(dir: string): Promise<Key[]> {
  const { RunFolder } = await import('../io/run-folder.js');
  const folder = await RunFolder.open(dir);
  const keys: Key[] = [];
  try {
    for (const id of folder.manifest.keys) keys.push(await folder.readKey(id));
  } catch (error) {
    keys.forEach((k) => k.dispose());
    throw error;
  }
  return keys;
}

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../contracts/image.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { writePng } from '../io/png.js';
import { createRng } from '../util/rng.js';

/** The record of a generate job, written in its output folder before any image: what --resume checks. */
export const IMAGES_RECORD = 'images.json';

export interface GenerateImagesOptions {
  /** An exported model (see `loadExportedModel`): one input [null, latentSize], one output [null, H, W, 1 | 3]. */
  readonly model: LayersModel;
  /** Where the model was loaded from, for messages and the record. */
  readonly modelPath: string;
  readonly count: number;
  readonly seed: number;
  readonly outDir: string;
  /** Images per forward pass (memory only; the images do not depend on it). Default 64. */
  readonly batchSize?: number;
  /** Keep the images a previous job with the same record wrote, and write the rest. */
  readonly resume?: boolean;
  readonly onProgress?: (done: number) => void;
}

export interface GenerateImagesResult {
  readonly outDir: string;
  /** File names, in order (image i from latent i). */
  readonly files: readonly string[];
  readonly written: number;
  /** Images kept from an earlier job (--resume). */
  readonly kept: number;
  readonly latentSize: number;
  readonly imageShape: ImageShape;
}

interface ImagesRecord {
  readonly format: 'attrib-images/1';
  readonly model: string;
  readonly seed: number;
  readonly count: number;
  readonly latentSize: number;
  readonly imageShape: ImageShape;
}

/** The model's latent size and image shape; a one-line error if it is not a latent-to-image model. */
function modelShapes(model: LayersModel, modelPath: string): { latentSize: number; imageShape: ImageShape } {
  const input = model.inputs.length === 1 ? model.inputs[0]!.shape : undefined;
  const output = model.outputs.length === 1 ? model.outputs[0]!.shape : undefined;
  if (!input || input.length !== 2 || typeof input[1] !== 'number') {
    throw new Error(`${modelPath}: model takes ${input ? `[${input.join(', ')}]` : `${model.inputs.length} inputs`}; expected one latent input [null, size]`);
  }
  if (!output || output.length !== 4 || output.slice(1).some((d) => typeof d !== 'number') || (output[3] !== 1 && output[3] !== 3)) {
    throw new Error(`${modelPath}: model outputs ${output ? `[${output.join(', ')}]` : `${model.outputs.length} tensors`}; expected images [null, height, width, 1 or 3]`);
  }
  return { latentSize: input[1], imageShape: { height: output[1]!, width: output[2]!, channels: output[3] } };
}

/** Latent i is drawn from N(0, I) with its own seed, so it depends on (seed, i) only: not on count, batch or resume. */
function latents(seed: number, start: number, size: number, latentSize: number): tf.Tensor2D {
  const rng = createRng(seed).fork('generate-latents');
  return tf.tidy(() => tf.concat(Array.from({ length: size }, (_, j) =>
    tf.randomNormal([1, latentSize], 0, 1, 'float32', rng.fork(start + j).seed()))) as tf.Tensor2D);
}

/** Images in [-1, 1] to bytes as torchvision's save_image: floor(clamp((x + 1) / 2 * 255 + 0.5, 0, 255)). */
function toBytes(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.floor(tf.clipByValue(tf.add(tf.mul(tf.div(tf.add(tf.clipByValue(images, -1, 1), 1), 2), 255), 0.5), 0, 255)) as tf.Tensor4D);
}

const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);

async function checkRecord(outDir: string, record: ImagesRecord, resume: boolean, firstFile: string): Promise<void> {
  const file = join(outDir, IMAGES_RECORD);
  if (!resume) {
    for (const taken of [file, join(outDir, firstFile)]) {
      if (await exists(taken)) throw new Error(`${taken} already exists; use --resume to finish that job, or choose another --out folder`);
    }
    return;
  }
  let previous: ImagesRecord;
  try {
    previous = JSON.parse(await readFile(file, 'utf8')) as ImagesRecord;
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); --resume needs the folder of an earlier generate job`);
  }
  for (const name of ['seed', 'count', 'latentSize'] as const) {
    if (previous[name] !== record[name]) throw new Error(`${file}: the earlier job had ${name} ${previous[name]}, this one ${record[name]}; resume with the same settings`);
  }
  if (JSON.stringify(previous.imageShape) !== JSON.stringify(record.imageShape)) {
    throw new Error(`${file}: the earlier job made ${JSON.stringify(previous.imageShape)} images, this model ${JSON.stringify(record.imageShape)}`);
  }
}

/**
 * Draws `count` N(0, I) latents from `seed` and writes the model's images as 8-bit PNG files
 * `outDir/00000.png`, ... (grey or RGB), each written atomically. `images.json` records the job
 * first, so `resume` can keep the files an interrupted job wrote; the same seed gives the same images.
 */
export async function generateImages(options: GenerateImagesOptions): Promise<GenerateImagesResult> {
  const { model, modelPath, count, seed, outDir, batchSize = 64, resume = false, onProgress } = options;
  if (!Number.isInteger(count) || count <= 0) throw new Error(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const { latentSize, imageShape } = modelShapes(model, modelPath);
  const digits = Math.max(5, String(count - 1).length);
  const files = Array.from({ length: count }, (_, i) => `${String(i).padStart(digits, '0')}.png`);
  const record: ImagesRecord = { format: 'attrib-images/1', model: modelPath, seed, count, latentSize, imageShape };
  await checkRecord(outDir, record, resume, files[0]!);
  if (!resume) await writeJsonAtomic(join(outDir, IMAGES_RECORD), record);

  const { height, width, channels } = imageShape;
  const perImage = height * width * channels;
  let written = 0;
  let kept = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const names = files.slice(start, start + size);
    const present = resume ? await Promise.all(names.map((name) => exists(join(outDir, name)))) : names.map(() => false);
    if (present.every(Boolean)) {
      kept += size;
      onProgress?.(start + size);
      continue;
    }
    const bytes = tf.tidy(() => toBytes(model.predict(latents(seed, start, size, latentSize)) as tf.Tensor4D));
    const values = await bytes.data();
    bytes.dispose();
    for (let j = 0; j < size; j++) {
      if (present[j]) {
        kept += 1;
        continue;
      }
      const data = Uint8Array.from(values.subarray(j * perImage, (j + 1) * perImage));
      await writePng(join(outDir, names[j]!), { width, height, channels: channels as 1 | 3, data });
      written += 1;
    }
    onProgress?.(start + size);
  }
  return { outDir, files, written, kept, latentSize, imageShape };
}

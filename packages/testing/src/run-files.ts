import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint } from '@attrib/core';
import { RunFolder, type RunManifest } from '@attrib/core';

/** The manifest of run `dir`, read from disk as it is now. */
export async function manifestOf(dir: string): Promise<RunManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
}

/** Every tensor of a checkpoint by name, as plain numbers (to compare two checkpoints' contents). */
export async function tensorsOf(file: string): Promise<Record<string, { shape: number[]; values: number[] }>> {
  const { tensors } = await loadCheckpoint(file);
  const out = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, values: Array.from(t.dataSync()) }]));
  tf.dispose(Object.values(tensors));
  return out;
}

/** The values of every key of run `dir`, in the manifest's order (to compare two runs' keys). */
export async function keyValuesOf(dir: string): Promise<number[][]> {
  const folder = await RunFolder.open(dir);
  const out: number[][] = [];
  for (const id of folder.manifest.keys) {
    const key = await folder.readKey(id);
    out.push(Array.from(key.vector.dataSync()));
    key.dispose();
  }
  return out;
}

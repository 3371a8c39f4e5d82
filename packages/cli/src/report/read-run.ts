import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calibrationPath, readCalibration, RunFolder, type CalibrationFile, type EvaluationRecord, type RunManifest } from '@attrib/core';
import { existsSync } from 'node:fs';
import { readStudy, type StudyRow } from './study.js';

/** A PNG of the run folder, ready to embed: its size from the IHDR chunk and its bytes as a data URI. */
export interface EmbeddedImage {
  /** Path relative to the run folder, e.g. `samples/key-1.png`. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly dataUri: string;
}

/** One key's pictures: the key itself, its keyed generator's samples and its robust generators' samples by label. */
export interface KeyImages {
  readonly id: string;
  readonly key: EmbeddedImage | undefined;
  readonly samples: EmbeddedImage | undefined;
  readonly robust: Readonly<Record<string, EmbeddedImage | undefined>>;
}

/** Everything the report shows, read from a run folder (or a study-only folder: no manifest). */
export interface RunReportData {
  readonly dir: string;
  readonly manifest: RunManifest | undefined;
  readonly metrics: Readonly<Record<string, EvaluationRecord>>;
  readonly root: EmbeddedImage | undefined;
  readonly keys: readonly KeyImages[];
  /** Post-process labels that have robust generators, in manifest order. */
  readonly robustLabels: readonly string[];
  readonly study: readonly StudyRow[] | undefined;
  /** RUN/calibration.json, when the run was calibrated. */
  readonly calibration?: CalibrationFile | undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads `dir/file` as a PNG to embed; undefined when the file is absent (a product not written yet). */
export async function readEmbeddedPng(dir: string, file: string): Promise<EmbeddedImage | undefined> {
  const path = join(dir, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: cannot read (${(error as Error).message})`);
  }
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b) || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error(`${path}: not a PNG file; expected an image written by attrib`);
  }
  return { file, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), dataUri: `data:image/png;base64,${bytes.toString('base64')}` };
}

/**
 * Reads what the report of `dir` shows. A folder without manifest.json but with study.json is a
 * study folder (the page then holds only the robustness curves); otherwise the run folder's
 * errors are kept (missing folder, no manifest, wrong format), one line naming the file.
 */
export async function readRunReport(dir: string): Promise<RunReportData> {
  const study = await readStudy(join(dir, 'study.json'));
  if (!(await RunFolder.exists(dir)) && study !== undefined) {
    return { dir, manifest: undefined, metrics: {}, root: undefined, keys: [], robustLabels: [], study };
  }
  const folder = await RunFolder.open(dir);
  const manifest = folder.manifest;
  const robustLabels = Object.keys(manifest.robust).filter((label) => manifest.robust[label]!.length > 0);
  const keys: KeyImages[] = [];
  for (const id of manifest.keys) {
    const robust: Record<string, EmbeddedImage | undefined> = {};
    for (const label of robustLabels) {
      if (manifest.robust[label]!.includes(id)) robust[label] = await readEmbeddedPng(dir, join('samples', `${id}-robust-${label}.png`));
    }
    keys.push({
      id,
      key: await readEmbeddedPng(dir, join('keys', `${id}.png`)),
      samples: manifest.generators.includes(id) ? await readEmbeddedPng(dir, join('samples', `${id}.png`)) : undefined,
      robust,
    });
  }
  return {
    dir, manifest, metrics: await folder.readMetrics(), root: await readEmbeddedPng(dir, join('samples', 'root.png')), keys, robustLabels, study,
    calibration: existsSync(calibrationPath(dir)) ? await readCalibration(calibrationPath(dir)) : undefined,
  };
}

/** Every image the report embeds, in page order (for counts and checks). */
export function embeddedImages(data: RunReportData): EmbeddedImage[] {
  const all = [data.root, ...data.keys.flatMap((k) => [k.key, k.samples, ...data.robustLabels.map((label) => k.robust[label])])];
  return all.filter((image): image is EmbeddedImage => image !== undefined);
}


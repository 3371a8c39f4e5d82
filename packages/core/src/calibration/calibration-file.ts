import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { KeyCalibration } from './key-calibration.js';

/** The format tag of `calibration.json`. */
export const CALIBRATION_FORMAT = 'attrib-calibration/1';

/** The file name of a run's calibration, in the run folder. */
export const CALIBRATION_FILE = 'calibration.json';

/** One image set of a calibration: where it came from and how many images. */
export interface CalibrationSet {
  readonly description: string;
  readonly n: number;
}

/** A run's calibration (`RUN/calibration.json`), written by `attrib calibrate`. */
export interface CalibrationFile {
  readonly format: typeof CALIBRATION_FORMAT;
  readonly createdAt: string;
  readonly backend: string;
  /** The target false-attribution rate the thresholds were chosen for. */
  readonly fpr: number;
  /** Confidence of every interval, 0.95. */
  readonly confidence: number;
  /** `plain` or `robust-<label>`: which keyed generators were sampled. */
  readonly generators: string;
  readonly postProcess: { readonly name: string; readonly params: Readonly<Record<string, unknown>> } | null;
  readonly sets: {
    readonly heldOut: CalibrationSet;
    readonly root: CalibrationSet;
    readonly ood: CalibrationSet | null;
    /** Samples per keyed generator. */
    readonly generated: CalibrationSet;
  };
  readonly keys: readonly KeyCalibration[];
}

/** The calibration file of run folder `dir`. */
export function calibrationPath(dir: string): string {
  return join(dir, CALIBRATION_FILE);
}

/** Writes a calibration atomically. */
export async function writeCalibration(file: string, calibration: CalibrationFile): Promise<void> {
  await writeJsonAtomic(file, calibration);
}

/**
 * Reads a calibration file; a missing file, bad JSON or another format is a one-line error
 * naming the file and what was expected.
 */
export async function readCalibration(file: string): Promise<CalibrationFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no calibration; run \`attrib calibrate RUN\` first` : `${file}: cannot read (${code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== CALIBRATION_FORMAT) throw new Error(`${file}: format ${JSON.stringify(format)}; expected ${CALIBRATION_FORMAT}`);
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.some((k) => typeof k?.key !== 'string' || !Array.isArray(k?.authentic) || typeof k?.tail?.sigma !== 'number')) {
    throw new Error(`${file}: expected a list of keys, each with its key id, authentic scores and tail fit`);
  }
  return parsed as CalibrationFile;
}

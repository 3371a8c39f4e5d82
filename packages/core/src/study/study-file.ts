import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { COLLUSION_COLUMNS, type CollusionRow } from './collusion-rows.js';

export const STUDY_FORMAT = 'attrib-study/1';

/** One finished cell: its axis values and headline metrics (means over keys). */
export interface StudyRow {
  readonly cell: string;
  readonly adapter: string;
  readonly postprocess: string;
  readonly param: string;
  readonly strength: string;
  readonly alpha: number | null;
  readonly angle: string;
  readonly robust: boolean;
  readonly distinguishability: number;
  readonly attributability: number;
  /** Mean TPR over keys at FPR 1e-2 and 1e-3 (metric tpr-at-fpr); null in rows of older studies. */
  readonly tprAtFpr1e2: number | null;
  readonly tprAtFpr1e3: number | null;
  readonly l2: number;
  readonly psnr: number;
  readonly ssim: number;
  readonly fid: number | null;
  /**
   * Mean over keys of the floor under the cell's post-process (metric floor: the least L2 change
   * of the root's samples that the key claims after T); null when T has no linear part, and in
   * rows of older studies.
   */
  readonly floor?: number | null;
  /**
   * What the cell's post-process does to the images (metric distortion, FID under it): mean PSNR
   * and SSIM of the keyed samples after it against before it, and FID of the samples after it;
   * null in rows of older studies (and FID when the study does not measure it).
   */
  readonly attackPsnr?: number | null;
  readonly attackSsim?: number | null;
  readonly attackFid?: number | null;
  /** Mean cosine between the cell's keys, pairwise (0 for orthogonal keys). */
  readonly keyCosine: number | null;
  readonly keys: number;
  readonly base: string;
  /** The cell's run folder, relative to the study folder. */
  readonly run: string;
  readonly finishedAt: string;
}

/** study.json: the settings every cell was measured with, and the finished cells. */
export interface StudyFile {
  readonly format: typeof STUDY_FORMAT;
  readonly createdAt: string;
  updatedAt: string;
  readonly settings: unknown;
  cells: StudyRow[];
  /** The collusion axis's measurements, when the study has one. */
  collusion?: CollusionRow[];
}

/** The columns of study.csv, in order. */
export const STUDY_COLUMNS: readonly (keyof StudyRow)[] = [
  'cell', 'adapter', 'postprocess', 'param', 'strength', 'alpha', 'angle', 'robust',
  'distinguishability', 'attributability', 'tprAtFpr1e2', 'tprAtFpr1e3', 'l2', 'psnr', 'ssim', 'fid', 'floor', 'attackPsnr', 'attackSsim', 'attackFid', 'keyCosine', 'keys', 'base', 'run', 'finishedAt',
];

export function studyFilePath(dir: string): string {
  return join(dir, 'study.json');
}

/** study.json of `dir`, or undefined when there is none yet. */
export async function readStudyFile(dir: string): Promise<StudyFile | undefined> {
  const file = studyFilePath(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: StudyFile;
  try {
    parsed = JSON.parse(text) as StudyFile;
  } catch {
    throw new Error(`${file}: not JSON; expected a study file (${STUDY_FORMAT})`);
  }
  if (parsed.format !== STUDY_FORMAT || !Array.isArray(parsed.cells)) throw new Error(`${file}: format ${String(parsed.format)}, expected ${STUDY_FORMAT}`);
  return parsed;
}

export async function writeStudyFile(dir: string, study: StudyFile): Promise<void> {
  study.updatedAt = new Date().toISOString();
  await writeJsonAtomic(studyFilePath(dir), study);
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv<T>(columns: readonly (keyof T & string)[], rows: readonly T[]): string {
  const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** study.csv: a header and one line per row, RFC 4180 quoting. */
export function studyCsv(rows: readonly StudyRow[]): string {
  return csv(STUDY_COLUMNS, rows);
}

/** collusion.csv: a header and one line per collusion row. */
export async function writeCollusionCsv(dir: string, rows: readonly CollusionRow[]): Promise<void> {
  await writeFileAtomic(join(dir, 'collusion.csv'), csv(COLLUSION_COLUMNS, rows));
}

export async function writeStudyCsv(dir: string, rows: readonly StudyRow[]): Promise<void> {
  await writeFileAtomic(join(dir, 'study.csv'), studyCsv(rows));
}

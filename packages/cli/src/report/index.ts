// The HTML report lives in the CLI, not in core: it is presentation for people (like table.ts),
// reads only the documented run-folder files (no tensors, no plugins), and nothing in core or a
// plugin needs it. Core keeps the run-folder format and the atomic writes it relies on.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@attrib/core';
import { orderedEvaluations } from './metric-tables.js';
import { reportPage } from './page.js';
import { embeddedImages, readRunReport } from './read-run.js';

export interface RunReportResult {
  readonly run: string;
  readonly out: string;
  readonly bytes: number;
  /** metrics.json entries shown, in page order. */
  readonly evaluations: readonly string[];
  /** Images embedded (root samples, keys, keyed and robust samples). */
  readonly images: number;
  /** Study rows drawn; 0 when the folder holds no study.json. */
  readonly studyRows: number;
}

/** Writes the report of run folder `run` to `out` (default RUN/report.html) atomically. */
export async function writeRunReport(run: string, out?: string): Promise<RunReportResult> {
  const dir = resolve(run);
  const file = out === undefined ? join(dir, 'report.html') : resolve(out);
  if ((await stat(file).catch(() => undefined))?.isDirectory()) throw new Error(`--out ${out}: is a folder; expected the path of the HTML file to write`);
  const data = await readRunReport(dir);
  const html = reportPage(data, new Date().toISOString());
  await writeFileAtomic(file, html);
  return {
    run: dir, out: file, bytes: Buffer.byteLength(html),
    evaluations: orderedEvaluations(data.metrics).map(([label]) => label),
    images: embeddedImages(data).length,
    studyRows: data.study?.length ?? 0,
  };
}

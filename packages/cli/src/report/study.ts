import { readFile } from 'node:fs/promises';
import { svgPlot, type PlotSeries } from '@attrib/core';
import { escapeHtml, formatNumber, htmlTable } from './html.js';

/**
 * One row of a robustness study: a cell of study.json (`attrib study`, format attrib-study/1:
 * adapter, postprocess, param, strength, alpha, angle, robust, distinguishability,
 * attributability, l2, psnr, ssim, fid, ...). Any field may be absent or null; the curves use
 * the rows that have what they draw.
 */
export type StudyRow = Readonly<Record<string, unknown>>;

/** Drawn per post-process against its strength, one chart each. */
export const STUDY_CURVES = ['attributability', 'distinguishability'] as const;

/** Reads study.json: `{ cells: [...] }` as `attrib study` writes it, `{ rows: [...] }` or a bare list; undefined when absent. */
export async function readStudy(file: string): Promise<StudyRow[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read (${(error as Error).message})`);
  }
  const expected = 'expected study results: {"cells": [...]} (attrib study), {"rows": [...]} or a list of rows {postprocess, strength, attributability, ...}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON; ${expected}`);
  }
  const holder = value as { cells?: unknown; rows?: unknown } | null;
  const rows = Array.isArray(value) ? value : Array.isArray(holder?.cells) ? holder.cells : holder?.rows;
  if (!Array.isArray(rows)) throw new Error(`${file}: no list of rows; ${expected}`);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${file}: row ${i} is not an object; ${expected}`);
  });
  return rows as StudyRow[];
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const text = (value: unknown): string | undefined => (value === undefined || value === null || value === '' ? undefined : String(value));

/** A row's strength: a number (numbers and numeric text), other text (lists: a category), or undefined. */
function strengthOf(row: StudyRow): number | string | undefined {
  if (finite(row.strength)) return row.strength;
  const s = text(row.strength);
  return s === undefined ? undefined : Number.isFinite(Number(s)) ? Number(s) : s;
}

const varies = (rows: readonly StudyRow[], field: string): boolean => new Set(rows.map((r) => text(r[field]))).size > 1;

function groupBy(rows: readonly StudyRow[], key: (row: StudyRow) => string): Map<string, StudyRow[]> {
  const groups = new Map<string, StudyRow[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/**
 * One post-process's charts: each of {@link STUDY_CURVES} against its strength (each post-process
 * has its own axis: strengths of different post-processes are not comparable), a line per variant
 * (plain or robust and alpha, as attrib study's own plots; base and angle when they vary). Strengths
 * that are not numbers are categories in order of appearance. Empty when no row has a strength.
 */
function curveFigures(name: string, rows: readonly StudyRow[]): string[] {
  const placed = rows.filter((r) => strengthOf(r) !== undefined);
  const numeric = placed.every((r) => typeof strengthOf(r) === 'number');
  const categories = numeric ? undefined : [...new Set(placed.map((r) => String(strengthOf(r))))];
  const xOf = (r: StudyRow): number => (categories ? categories.indexOf(String(strengthOf(r))) : (strengthOf(r) as number));
  const fields = (['base', 'angle'] as const).filter((f) => varies(placed, f));
  const variantOf = (r: StudyRow): string =>
    [...fields.map((f) => text(r[f]) ?? '—'), r.robust === true ? `robust${text(r.alpha) ? ` a=${text(r.alpha)}` : ''}` : 'plain'].join(' ');
  const variants = [...groupBy(placed, variantOf)];
  const param = text(placed.find((r) => text(r.param))?.param);
  return STUDY_CURVES.flatMap((metric) => {
    const series: PlotSeries[] = variants
      .map(([variant, group]) => ({ name: variant, points: group.filter((r) => finite(r[metric])).map((r) => [xOf(r), r[metric] as number] as const) }))
      .filter((line) => line.points.length > 0);
    if (series.length === 0) return [];
    const svg = svgPlot({
      title: `${name}: ${metric}`, xLabel: param ? `${name} ${param}` : `${name} strength`, yLabel: metric, series, lines: true, yDomain: [0, 1],
      ...(categories ? { xCategories: categories } : {}),
    });
    return [`<figure class="curve" data-postprocess="${escapeHtml(name)}" data-metric="${metric}">${svg}</figure>`];
  });
}

/** The robustness section: per post-process, attributability and distinguishability against strength; every row in a fold-out table. */
export function studySection(rows: readonly StudyRow[]): string {
  const byAdapter = varies(rows, 'adapter');
  const charts = [...groupBy(rows, (r) => [...(byAdapter ? [text(r.adapter) ?? '?'] : []), text(r.postprocess) ?? 'none'].join(' · '))]
    .map(([name, group]) => [name, curveFigures(name, group)] as const);
  const drawn = charts.flatMap(([, figures]) => figures);
  const skipped = charts.filter(([, figures]) => figures.length === 0).map(([name]) => escapeHtml(name));
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (typeof v === 'number' ? formatNumber(v) : escapeHtml(text(v) ?? '—'));
  return [
    drawn.length ? `<div class="curves">\n${drawn.join('\n')}\n</div>` : '',
    skipped.length ? `<p class="note">No curve for ${skipped.map((n) => `<code>${n}</code>`).join(', ')}: no row with a strength and ${STUDY_CURVES.join(' or ')}.</p>` : '',
    `<details><summary>All ${rows.length} study rows</summary>\n${htmlTable('study-rows', fields.map(escapeHtml), rows.map((r) => fields.map((k) => cell(r[k]))))}\n</details>`,
  ].filter(Boolean).join('\n');
}

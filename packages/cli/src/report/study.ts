import { readFile } from 'node:fs/promises';
import { escapeHtml, formatNumber, htmlTable } from './html.js';

/**
 * One row of a robustness study: a cell of study.json (`attrib study`, format attrib-study/1:
 * adapter, postprocess, param, strength, alpha, angle, robust, distinguishability,
 * attributability, l2, psnr, ssim, fid, ...). Any field may be absent or null; the curves use
 * the rows that have what they draw.
 */
export type StudyRow = Readonly<Record<string, unknown>>;

/** Drawn per post-process against its strength: solid and dashed lines. */
export const STUDY_CURVES = ['attributability', 'distinguishability'] as const;
const DASH: Readonly<Record<(typeof STUDY_CURVES)[number], string>> = { attributability: '', distinguishability: '6 4' };

/** Fields that split a post-process's rows into lines when they vary (everything else is per cell). */
const VARIANT_FIELDS = ['base', 'angle', 'robust', 'alpha'] as const;

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

/** Line colours by variant (Okabe–Ito, colour-blind safe), cycled. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** About `count` evenly spaced tick values over [lo, hi] at a round step. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const W = 360, H = 250, LEFT = 46, RIGHT = 14, TOP = 26, BOTTOM = 42;

/**
 * One post-process's chart: {@link STUDY_CURVES} against its strength (each post-process has its
 * own axis: strengths of different post-processes are not comparable), a line per variant and
 * metric. Strengths that are not numbers are placed as categories in order of appearance.
 * Undefined when no row has a strength and a drawn metric.
 */
function curveFigure(name: string, rows: readonly StudyRow[]): string | undefined {
  const placed = rows.filter((r) => strengthOf(r) !== undefined && STUDY_CURVES.some((m) => finite(r[m])));
  if (placed.length === 0) return undefined;
  const numeric = placed.every((r) => typeof strengthOf(r) === 'number');
  const categories = numeric ? [] : [...new Set(placed.map((r) => String(strengthOf(r))))];
  const xOf = (r: StudyRow): number => (numeric ? (strengthOf(r) as number) : categories.indexOf(String(strengthOf(r))));
  const fields = VARIANT_FIELDS.filter((f) => varies(placed, f));
  // alpha only weighs robust training: plain rows carry none.
  const variantOf = (r: StudyRow): string => fields
    .filter((f) => !(f === 'alpha' && r.robust === false))
    .map((f) => (f === 'robust' ? (r.robust ? 'robust' : 'plain') : `${f} ${text(r[f]) ?? '—'}`)).join(', ');
  const variants = [...groupBy(placed, variantOf)];
  const xs = placed.map(xOf);
  const ys = placed.flatMap((r) => STUDY_CURVES.map((m) => r[m]).filter(finite));
  // Categories sit half a step inside the axis ends; a single number gets a unit-wide axis.
  let [x0, x1] = numeric ? [Math.min(...xs), Math.max(...xs)] : [-0.5, categories.length - 0.5];
  if (x0 === x1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(1, ...ys)];
  const px = (x: number): string => (LEFT + ((x - x0) / (x1 - x0)) * (W - LEFT - RIGHT)).toFixed(1);
  const py = (y: number): string => (H - BOTTOM - ((y - y0) / (y1 - y0)) * (H - TOP - BOTTOM)).toFixed(1);
  const parts: string[] = [`<text class="title" x="${LEFT}" y="14">${escapeHtml(name)}</text>`];
  for (const t of ticks(y0, y1, 4)) {
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${py(t)}" y2="${py(t)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${Number(py(t)) + 4}" text-anchor="end">${t}</text>`);
  }
  const xTicks = numeric ? ticks(x0, x1, 5).map((t) => [t, String(t)] as const) : categories.map((c, i) => [i, c] as const);
  for (const [t, label] of xTicks) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${H - BOTTOM}" y2="${H - BOTTOM + 4}" stroke="#555"/>`);
    parts.push(`<text x="${px(t)}" y="${H - BOTTOM + 17}" text-anchor="middle">${escapeHtml(label)}</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}" stroke="#555"/>`);
  parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${H - BOTTOM}" stroke="#555"/>`);
  const param = text(placed.find((r) => text(r.param))?.param);
  parts.push(`<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 6}" text-anchor="middle">strength${param ? ` (${escapeHtml(param)})` : ''}</text>`);
  variants.forEach(([variant, group], v) => {
    const colour = PALETTE[v % PALETTE.length]!;
    for (const metric of STUDY_CURVES) {
      const points = group.filter((r) => finite(r[metric])).sort((a, b) => xOf(a) - xOf(b));
      if (points.length === 0) continue;
      const coords = points.map((r) => [px(xOf(r)), py(r[metric] as number)] as const);
      parts.push(`<polyline class="series" data-metric="${metric}" data-variant="${escapeHtml(variant)}" points="${coords.map((c) => c.join(',')).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${DASH[metric] ? ` stroke-dasharray="${DASH[metric]}"` : ''}/>`);
      points.forEach((r, i) => parts.push(
        `<circle cx="${coords[i]![0]}" cy="${coords[i]![1]}" r="3" fill="${colour}"><title>${escapeHtml(`${name}${variant ? `, ${variant}` : ''}, strength ${String(strengthOf(r))}: ${metric} ${formatNumber(r[metric])}`)}</title></circle>`,
      ));
    }
  });
  const svg = `<svg class="curve" data-series="${escapeHtml(name)}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`${STUDY_CURVES.join(' and ')} against strength, ${name}`)}">\n${parts.join('\n')}\n</svg>`;
  const legend = variants.length > 1
    ? `<ul class="legend">${variants.map(([variant], v) => `<li><span class="swatch" style="background:${PALETTE[v % PALETTE.length]}"></span>${escapeHtml(variant)}</li>`).join('')}</ul>`
    : '';
  return `<figure>${svg}${legend}</figure>`;
}

/** A short line sample for the metric legend. */
function lineSample(metric: (typeof STUDY_CURVES)[number]): string {
  return `<svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="#333" stroke-width="2"${DASH[metric] ? ` stroke-dasharray="${DASH[metric]}"` : ''}/></svg>`;
}

/** The robustness section: per post-process, attributability and distinguishability against strength; every row in a fold-out table. */
export function studySection(rows: readonly StudyRow[]): string {
  const byAdapter = varies(rows, 'adapter');
  const charts = [...groupBy(rows, (r) => [...(byAdapter ? [text(r.adapter) ?? '?'] : []), text(r.postprocess) ?? 'none'].join(' · '))]
    .map(([name, group]) => [name, curveFigure(name, group)] as const);
  const drawn = charts.flatMap(([, figure]) => (figure ? [figure] : []));
  const skipped = charts.filter(([, figure]) => !figure).map(([name]) => escapeHtml(name));
  const legend = STUDY_CURVES.map((metric) => `<li>${lineSample(metric)} ${metric}</li>`).join('');
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (typeof v === 'number' ? formatNumber(v) : escapeHtml(text(v) ?? '—'));
  return [
    drawn.length ? `<ul class="legend">${legend}</ul>\n<div class="curves">${drawn.join('\n')}</div>` : '',
    skipped.length ? `<p class="note">No curve for ${skipped.map((n) => `<code>${n}</code>`).join(', ')}: no row with a strength and ${STUDY_CURVES.join(' or ')}.</p>` : '',
    `<details><summary>All ${rows.length} study rows</summary>\n${htmlTable('study-rows', fields.map(escapeHtml), rows.map((r) => fields.map((k) => cell(r[k]))))}\n</details>`,
  ].filter(Boolean).join('\n');
}

import { readFile } from 'node:fs/promises';
import { escapeHtml, formatNumber, htmlTable } from './html.js';

/**
 * One row of a robustness study (study.json, written by the study command): fields such as
 * adapter, postprocess, strength, alpha, distinguishability, attributability, l2, psnr, ssim,
 * fid. Any of them may be absent; the curves use the rows that have what they draw.
 */
export type StudyRow = Readonly<Record<string, unknown>>;

/** The curves drawn per post-process: these metrics against its strength. */
export const STUDY_CURVES = ['attributability', 'distinguishability'] as const;

/** Reads study.json: a list of rows, or an object with a `rows` list; undefined when the file is absent. */
export async function readStudy(file: string): Promise<StudyRow[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read (${(error as Error).message})`);
  }
  const expected = 'expected study results: a list of rows {adapter, postprocess, strength, attributability, ...} or {"rows": [...]}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON; ${expected}`);
  }
  const rows = Array.isArray(value) ? value : (value as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new Error(`${file}: no list of rows; ${expected}`);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${file}: row ${i} is not an object; ${expected}`);
  });
  return rows as StudyRow[];
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));

/** The line a row belongs to: its post-process, qualified by adapter and alpha only when the study varies them. */
function seriesOf(rows: readonly StudyRow[]): (row: StudyRow) => string {
  const varies = (field: string): boolean => new Set(rows.map((r) => text(r[field]))).size > 1;
  const byAdapter = varies('adapter');
  const byAlpha = varies('alpha');
  return (row) => [
    ...(byAdapter ? [text(row.adapter) ?? '?'] : []),
    text(row.postprocess) ?? 'none',
    ...(byAlpha ? [`alpha ${text(row.alpha) ?? '?'}`] : []),
  ].join(' · ');
}

/** Line colours of the drawn metrics (Okabe–Ito, colour-blind safe). */
const COLOURS: Readonly<Record<(typeof STUDY_CURVES)[number], string>> = { attributability: '#0072B2', distinguishability: '#D55E00' };

/** About `count` evenly spaced tick values over [lo, hi] at a round step. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const W = 380, H = 250, LEFT = 46, RIGHT = 14, TOP = 26, BOTTOM = 42;

/**
 * One post-process's chart: each of {@link STUDY_CURVES} against strength, over the rows that have
 * both (strength scales differ between post-processes, so each gets its own axis); undefined when
 * no row has strength and a metric.
 */
function curveSvg(name: string, rows: readonly StudyRow[]): string | undefined {
  const lines = STUDY_CURVES.map((metric) => ({
    metric,
    points: rows.filter((r) => finite(r.strength) && finite(r[metric])).sort((a, b) => (a.strength as number) - (b.strength as number)),
  })).filter((l) => l.points.length > 0);
  if (lines.length === 0) return undefined;
  const all = lines.flatMap((l) => l.points.map((r) => [r.strength as number, r[l.metric] as number] as const));
  let [x0, x1] = [Math.min(...all.map(([x]) => x)), Math.max(...all.map(([x]) => x))];
  if (x0 === x1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const [y0, y1] = [Math.min(0, ...all.map(([, y]) => y)), Math.max(1, ...all.map(([, y]) => y))];
  const px = (x: number): string => (LEFT + ((x - x0) / (x1 - x0)) * (W - LEFT - RIGHT)).toFixed(1);
  const py = (y: number): string => (H - BOTTOM - ((y - y0) / (y1 - y0)) * (H - TOP - BOTTOM)).toFixed(1);
  const parts: string[] = [`<text class="title" x="${LEFT}" y="14">${escapeHtml(name)}</text>`];
  for (const t of ticks(y0, y1, 4)) {
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${py(t)}" y2="${py(t)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${Number(py(t)) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1, 5)) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${H - BOTTOM}" y2="${H - BOTTOM + 4}" stroke="#555"/>`);
    parts.push(`<text x="${px(t)}" y="${H - BOTTOM + 17}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}" stroke="#555"/>`);
  parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${H - BOTTOM}" stroke="#555"/>`);
  parts.push(`<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 6}" text-anchor="middle">strength</text>`);
  for (const { metric, points } of lines) {
    const colour = COLOURS[metric];
    const coords = points.map((r) => [px(r.strength as number), py(r[metric] as number)] as const);
    parts.push(`<polyline class="series" data-metric="${metric}" points="${coords.map((c) => c.join(',')).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    points.forEach((r, i) => parts.push(
      `<circle cx="${coords[i]![0]}" cy="${coords[i]![1]}" r="3.5" fill="${colour}"><title>${escapeHtml(`${name}, strength ${r.strength}: ${metric} ${formatNumber(r[metric])}`)}</title></circle>`,
    ));
  }
  return `<svg class="curve" data-series="${escapeHtml(name)}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`${STUDY_CURVES.join(' and ')} against strength, ${name}`)}">\n${parts.join('\n')}\n</svg>`;
}

/** The robustness section: per post-process, attributability and distinguishability against strength; every row in a fold-out table. */
export function studySection(rows: readonly StudyRow[]): string {
  const series = seriesOf(rows);
  const names = [...new Set(rows.map(series))];
  const charts = names.map((name) => curveSvg(name, rows.filter((r) => series(r) === name)));
  const drawn = charts.filter((c): c is string => c !== undefined);
  const skipped = names.filter((_, i) => charts[i] === undefined);
  const legend = STUDY_CURVES.map((metric) => `<li><span class="swatch" style="background:${COLOURS[metric]}"></span>${metric}</li>`).join('');
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (typeof v === 'number' ? formatNumber(v) : escapeHtml(text(v) ?? '—'));
  return [
    drawn.length ? `<ul class="legend">${legend}</ul>\n<div class="curves">${drawn.join('\n')}</div>` : '',
    skipped.length ? `<p class="note">No row with a strength and ${STUDY_CURVES.join(' or ')} for ${skipped.map(escapeHtml).join(', ')}.</p>` : '',
    `<details><summary>All ${rows.length} study rows</summary>\n${htmlTable('study-rows', fields.map(escapeHtml), rows.map((r) => fields.map((k) => cell(r[k]))))}\n</details>`,
  ].filter(Boolean).join('\n');
}

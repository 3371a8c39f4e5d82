import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CLAIM_OUTCOMES } from '../collusion/claims.js';
import type { CollusionRow } from './collusion-rows.js';
import { NO_POST_PROCESS } from './config.js';
import type { StudyRow } from './study-file.js';
import { paletteColour, svgPanels, svgPlot, type PlotSeries, type PlotSpec } from './svg-plot.js';

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * The series a row belongs to in a robustness plot: everything but the strength, the base and
 * angle only when the rows hold more than one.
 */
function seriesNamer(rows: readonly StudyRow[]): (row: StudyRow) => string {
  const many = (pick: (r: StudyRow) => string): boolean => new Set(rows.map(pick)).size > 1;
  const withBase = many((r) => r.base);
  const withAngle = many((r) => r.angle);
  return (row) => [...(withBase ? [row.base] : []), ...(withAngle ? [row.angle] : []), row.robust ? `robust a=${row.alpha}` : 'plain'].join(' ');
}

/** The PSNR of an unchanged image (the metric's cap): such points are left off the PSNR axis. */
const UNCHANGED_PSNR = 99.99;

/** One panel: attributability (solid) and, where measured, TPR at FPR 1e-3 (dashed) of each series against `x`. */
function panel(title: string, xLabel: string, rows: readonly StudyRow[], x: (r: StudyRow) => number | null, categories?: readonly string[]): PlotSpec {
  const name = seriesNamer(rows);
  const series: PlotSeries[] = [];
  const colours: string[] = [];
  [...groupBy(rows, name)].forEach(([variant, group], i) => {
    const at = (y: (r: StudyRow) => number | null): (readonly [number, number])[] =>
      group.flatMap((r) => { const px = x(r); const py = y(r); return px === null || py === null ? [] : [[px, py] as const]; });
    series.push({ name: `${variant}: attributability`, points: at((r) => r.attributability) });
    colours.push(paletteColour(i));
    const tpr = at((r) => r.tprAtFpr1e3);
    if (tpr.length > 0) {
      series.push({ name: `${variant}: TPR@FPR 1e-3`, points: tpr, dashed: true });
      colours.push(paletteColour(i));
    }
  });
  return { title, xLabel, yLabel: 'share', series, colours, lines: true, yDomain: [0, 1], ...(categories ? { xCategories: categories } : {}) };
}

/**
 * One SVG per post-process: attributability and TPR at FPR 1e-3 (when the rows have it) against
 * strength, and against what the attack does to the images: PSNR and SSIM of the attacked
 * samples against the unattacked ones, and their FID (when measured). One line per base, angle,
 * robust and alpha. Numeric strengths are placed by value; others (lists, defaults) as categories.
 */
export function robustnessPlot(postProcess: string, rows: readonly StudyRow[]): string {
  const numeric = rows.every((r) => r.strength !== '' && Number.isFinite(Number(r.strength)));
  const categories = numeric ? undefined : [...new Set(rows.map((r) => r.strength || 'default'))];
  const param = rows.find((r) => r.param)?.param;
  const panels = [panel(
    'against strength', param ? `${postProcess} ${param}` : `${postProcess} (evaluation defaults)`, rows,
    (r) => (categories ? categories.indexOf(r.strength || 'default') : Number(r.strength)), categories,
  )];
  const has = (pick: (r: StudyRow) => number | null | undefined): boolean => rows.some((r) => pick(r) !== null && pick(r) !== undefined);
  if (has((r) => r.attackPsnr)) {
    panels.push(panel('against PSNR', 'PSNR of attacked vs unattacked sample (dB)', rows, (r) => (r.attackPsnr == null || r.attackPsnr >= UNCHANGED_PSNR ? null : r.attackPsnr)));
  }
  if (has((r) => r.attackSsim)) panels.push(panel('against SSIM', 'SSIM of attacked vs unattacked sample', rows, (r) => r.attackSsim ?? null));
  if (has((r) => r.attackFid)) panels.push(panel('against FID', 'FID of the attacked samples', rows, (r) => r.attackFid ?? null));
  return svgPanels(`Robustness to ${postProcess}`, panels);
}

/** L2 distance to the root against attributability, one colour per post-process. */
export function qualityPlot(rows: readonly StudyRow[]): string {
  const series: PlotSeries[] = [...groupBy(rows, (r) => `${r.postprocess}${r.robust ? ' robust' : ''}`)].map(([name, group]) => ({
    name, points: group.map((r) => [r.attributability, r.l2] as const),
  }));
  return svgPlot({ title: 'Quality against robustness', xLabel: 'attributability', yLabel: 'L2 distance to the root', series, lines: false, xDomain: [0, 1] });
}

/**
 * Attributability under one post-process against the generators' L2 to the root, one series per
 * base, angle, robust and alpha, with the floor under T (the rows' `floor`, one dashed line per
 * distinct value to 2 decimals) drawn in: no generator of those keys can be closer than it and
 * be claimed with the training margin.
 */
export function l2Plot(postProcess: string, rows: readonly StudyRow[]): string {
  const series: PlotSeries[] = [...groupBy(rows, seriesNamer(rows))].map(([name, group]) => ({ name, points: group.map((r) => [r.l2, r.attributability] as const) }));
  const floors = [...new Set(rows.map((r) => r.floor).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)).map((v) => v.toFixed(2)))];
  return svgPlot({
    title: `Attributability under ${postProcess} against L2`, xLabel: 'L2 distance to the root', yLabel: `attributability (${postProcess})`,
    series, lines: false, yDomain: [0, 1], xMarks: floors.map((v) => ({ value: Number(v), label: `floor under T ${v}` })),
  });
}

/** Attributability under one post-process against the generators' FID, as {@link l2Plot}; rows without FID are left out. */
export function fidPlot(postProcess: string, rows: readonly StudyRow[]): string {
  const series: PlotSeries[] = [...groupBy(rows.filter((r) => r.fid !== null), seriesNamer(rows))].map(([name, group]) => ({
    name, points: group.map((r) => [r.fid!, r.attributability] as const),
  }));
  return svgPlot({ title: `Attributability under ${postProcess} against FID`, xLabel: 'FID of the keyed generators', yLabel: `attributability (${postProcess})`, series, lines: false, yDomain: [0, 1] });
}

/** Per pooling method, the share of pooled samples with each outcome against the number of colluders k. */
export function collusionPlot(rows: readonly CollusionRow[]): string {
  const bases = new Set(rows.map((r) => r.base)).size > 1;
  const panels = [...groupBy(rows, (r) => (bases ? `${r.base} ${r.pool}` : r.pool))].map(([name, group]): PlotSpec => ({
    title: `pooled by ${name}`, xLabel: 'colluders k', yLabel: 'share of pooled samples', lines: true, yDomain: [0, 1],
    series: CLAIM_OUTCOMES.map((outcome) => ({
      name: outcome === 'partial' ? 'some colluders' : outcome === 'every' ? 'every colluder' : outcome === 'one' ? 'one colluder' : outcome === 'none' ? 'no key' : 'an innocent user',
      points: group.map((r) => [r.k, r[outcome]] as const),
    })),
  }));
  return svgPanels('Collusion: whom the pooled samples are traced to', panels);
}

/**
 * Writes, for each post-process, robustness-<pp>.svg, l2-<pp>.svg and (with FID) fid-<pp>.svg,
 * quality-robustness.svg, and collusion.svg when there are collusion rows; returns the file names.
 */
export async function writeStudyPlots(dir: string, rows: readonly StudyRow[], collusion: readonly CollusionRow[] = []): Promise<string[]> {
  const written: string[] = [];
  for (const [postProcess, group] of groupBy(rows.filter((r) => r.postprocess !== NO_POST_PROCESS), (r) => r.postprocess)) {
    const plots: [string, string][] = [[`robustness-${postProcess}.svg`, robustnessPlot(postProcess, group)], [`l2-${postProcess}.svg`, l2Plot(postProcess, group)]];
    if (group.some((r) => r.fid !== null)) plots.push([`fid-${postProcess}.svg`, fidPlot(postProcess, group)]);
    for (const [name, svg] of plots) {
      await writeFileAtomic(join(dir, name), svg);
      written.push(name);
    }
  }
  if (rows.length > 0) {
    await writeFileAtomic(join(dir, 'quality-robustness.svg'), qualityPlot(rows));
    written.push('quality-robustness.svg');
  }
  if (collusion.length > 0) {
    await writeFileAtomic(join(dir, 'collusion.svg'), collusionPlot(collusion));
    written.push('collusion.svg');
  }
  return written;
}

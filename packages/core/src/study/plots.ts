import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { NO_POST_PROCESS } from './config.js';
import type { StudyRow } from './study-file.js';
import { svgPlot, type PlotSeries } from './svg-plot.js';

/** The series a row belongs to in a robustness plot: everything but the strength. */
function seriesName(row: StudyRow): string {
  return [row.base, row.angle, row.robust ? `robust a=${row.alpha}` : 'plain'].join(' ');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * Attributability against strength for one post-process, one line per base, angle, robust and
 * alpha. Numeric strengths are placed by value; others (lists, defaults) as categories.
 */
export function robustnessPlot(postProcess: string, rows: readonly StudyRow[]): string {
  const numeric = rows.every((r) => r.strength !== '' && Number.isFinite(Number(r.strength)));
  const categories = numeric ? undefined : [...new Set(rows.map((r) => r.strength || 'default'))];
  const xOf = (r: StudyRow): number => (categories ? categories.indexOf(r.strength || 'default') : Number(r.strength));
  const series: PlotSeries[] = [...groupBy(rows, seriesName)].map(([name, group]) => ({
    name, points: group.map((r) => [xOf(r), r.attributability] as const),
  }));
  const param = rows.find((r) => r.param)?.param;
  return svgPlot({
    title: `Robustness to ${postProcess}`, xLabel: param ? `${postProcess} ${param}` : `${postProcess} (evaluation defaults)`,
    yLabel: 'attributability', series, lines: true, yDomain: [0, 1], ...(categories ? { xCategories: categories } : {}),
  });
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
  const series: PlotSeries[] = [...groupBy(rows, seriesName)].map(([name, group]) => ({ name, points: group.map((r) => [r.l2, r.attributability] as const) }));
  const floors = [...new Set(rows.map((r) => r.floor).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)).map((v) => v.toFixed(2)))];
  return svgPlot({
    title: `Attributability under ${postProcess} against L2`, xLabel: 'L2 distance to the root', yLabel: `attributability (${postProcess})`,
    series, lines: false, yDomain: [0, 1], xMarks: floors.map((v) => ({ value: Number(v), label: `floor under T ${v}` })),
  });
}

/** Attributability under one post-process against the generators' FID, as {@link l2Plot}; rows without FID are left out. */
export function fidPlot(postProcess: string, rows: readonly StudyRow[]): string {
  const series: PlotSeries[] = [...groupBy(rows.filter((r) => r.fid !== null), seriesName)].map(([name, group]) => ({
    name, points: group.map((r) => [r.fid!, r.attributability] as const),
  }));
  return svgPlot({ title: `Attributability under ${postProcess} against FID`, xLabel: 'FID of the keyed generators', yLabel: `attributability (${postProcess})`, series, lines: false, yDomain: [0, 1] });
}

/**
 * Writes, for each post-process, robustness-<pp>.svg, l2-<pp>.svg and (with FID) fid-<pp>.svg,
 * and quality-robustness.svg; returns the file names.
 */
export async function writeStudyPlots(dir: string, rows: readonly StudyRow[]): Promise<string[]> {
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
  return written;
}

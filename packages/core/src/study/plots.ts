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

/** Writes robustness-<post-process>.svg for each post-process and quality-robustness.svg; returns the file names. */
export async function writeStudyPlots(dir: string, rows: readonly StudyRow[]): Promise<string[]> {
  const written: string[] = [];
  for (const [postProcess, group] of groupBy(rows.filter((r) => r.postprocess !== NO_POST_PROCESS), (r) => r.postprocess)) {
    const name = `robustness-${postProcess}.svg`;
    await writeFileAtomic(join(dir, name), robustnessPlot(postProcess, group));
    written.push(name);
  }
  if (rows.length > 0) {
    await writeFileAtomic(join(dir, 'quality-robustness.svg'), qualityPlot(rows));
    written.push('quality-robustness.svg');
  }
  return written;
}

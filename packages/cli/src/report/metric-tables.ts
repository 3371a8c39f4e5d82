import type { EvaluationRecord, MetricResult } from '@attrib/core';
import { escapeHtml, formatNumber, htmlTable } from './html.js';

/** Column order and headings of known metrics; other (plugin) metrics follow under their own names. */
const KNOWN: readonly (readonly [string, string])[] = [
  ['distinguishability', 'Distinguishability'],
  ['attributability', 'Attributability'],
  ['attribution-matrix', 'Attribution matrix'],
  ['quality', 'L2 to root'],
  ['floor', 'Floor (L2 / floor)'],
  ['psnr', 'PSNR (dB)'],
  ['ssim', 'SSIM'],
  ['fid', 'FID'],
];

/** Metric names present in any evaluation, known ones first in their order. */
export function metricColumns(records: readonly EvaluationRecord[]): string[] {
  const present = new Set(records.flatMap((r) => Object.keys(r.results)));
  return [...KNOWN.map(([name]) => name).filter((name) => present.has(name)), ...[...present].filter((name) => !KNOWN.some(([k]) => k === name)).sort()];
}

function heading(metric: string): string {
  return escapeHtml(KNOWN.find(([name]) => name === metric)?.[1] ?? metric);
}

/** metrics.json's evaluations, `plain` first, then as recorded. */
export function orderedEvaluations(metrics: Readonly<Record<string, EvaluationRecord>>): [string, EvaluationRecord][] {
  return Object.entries(metrics).sort(([a], [b]) => Number(b === 'plain') - Number(a === 'plain'));
}

/** What an evaluation measured, in words. */
export function describeEvaluation(record: EvaluationRecord): string {
  const generators = record.generators === 'plain' ? 'keyed generators' : `generators ${record.generators}`;
  if (!record.postProcess) return `${generators}, no post-process`;
  const params = Object.entries(record.postProcess.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return `${generators}, under ${record.postProcess.name}${params ? ` (${params})` : ''}`;
}

/** A summary cell: `mean ± std`, then any other headline numbers by name (min, root, ...). */
function summaryCell(result: MetricResult | undefined): string {
  if (!result) return '—';
  const { mean, std, ...rest } = result.summary;
  const main = mean === undefined ? '' : `${formatNumber(mean)}${std === undefined ? '' : ` ± ${formatNumber(std)}`}`;
  const extras = Object.entries(rest).map(([name, value]) => `${escapeHtml(name)} ${formatNumber(value)}`);
  if (!main) return extras.join('<br>');
  return extras.length ? `${main}<br><small>${extras.join('<br>')}</small>` : main;
}

/** One row per evaluation (plain, and robust variants per post-process), one column per metric. */
export function summaryTable(evaluations: readonly [string, EvaluationRecord][]): string {
  const columns = metricColumns(evaluations.map(([, r]) => r));
  const rows = evaluations.map(([label, record]) => [
    `<code>${escapeHtml(label)}</code><br><small>${escapeHtml(describeEvaluation(record))}</small>`,
    ...columns.map((metric) => summaryCell(record.results[metric])),
  ]);
  return htmlTable('metrics summary', ['Evaluation', ...columns.map(heading)], rows);
}

/**
 * A metric's value for one key, from `details.perKey` or `details.perGenerator` entries
 * `{ key, ... }`: the field named after the metric, else the entry's only numeric field
 * (`l2` of quality).
 */
export function perKeyValue(result: MetricResult | undefined, metric: string, key: string): number | undefined {
  const details = result?.details ?? {};
  const list = [details.perKey, details.perGenerator].find(Array.isArray) as Record<string, unknown>[] | undefined;
  const entry = list?.find((e) => e && e.key === key);
  if (!entry) return undefined;
  if (typeof entry[metric] === 'number') return entry[metric] as number;
  const numbers = Object.entries(entry).filter(([, v]) => typeof v === 'number');
  return numbers.length === 1 ? (numbers[0]![1] as number) : undefined;
}

/** One row per key of an evaluation, one column per metric that has per-key values. */
export function perKeyTable(label: string, record: EvaluationRecord): string {
  const columns = metricColumns([record]).filter((metric) => record.keys.some((key) => perKeyValue(record.results[metric], metric, key) !== undefined));
  if (columns.length === 0) return '';
  const rows = record.keys.map((key) => [`<code>${escapeHtml(key)}</code>`, ...columns.map((metric) => formatNumber(perKeyValue(record.results[metric], metric, key)))]);
  return `<h3>Per key: <code>${escapeHtml(label)}</code></h3>\n${htmlTable('metrics per-key', ['Key', ...columns.map(heading)], rows)}`;
}

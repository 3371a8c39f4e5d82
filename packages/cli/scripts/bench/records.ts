/**
 * What `pnpm bench` reports per measured step, and the arithmetic behind it. Kept apart from the
 * measuring code so the formatting can be tested without timing anything.
 */

/** One measured step, as `pnpm bench --json` prints it (one JSON object per line). */
export interface BenchRecord {
  readonly name: string;
  /** Median seconds of our step on the backend in use; null when it could not be measured. */
  readonly oursSeconds: number | null;
  /** PyTorch's best median over its thread counts, or null without PyTorch (or a step it does not run). */
  readonly torchSeconds: number | null;
  /** oursSeconds / torchSeconds, or null when either is missing. */
  readonly ratio: number | null;
  /** Live tensors between our steps (models, keys, optimizer moments); null when not measured in process. */
  readonly numTensors: number | null;
  /** Peak resident set size of the process that ran our step, in MB. */
  readonly peakRssMb: number | null;
}

/** The median of `values` (the mean of the two middle ones for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The record of a step from our timings and PyTorch's medians per thread count (empty without PyTorch). */
export function benchRecord(
  name: string,
  ours: { readonly times: readonly number[]; readonly numTensors: number | null; readonly peakRssMb: number | null } | null,
  torchMedians: Readonly<Record<string, number>>,
): BenchRecord {
  const oursSeconds = ours && ours.times.length > 0 ? median(ours.times) : null;
  const torchValues = Object.values(torchMedians);
  const torchSeconds = torchValues.length > 0 ? Math.min(...torchValues) : null;
  const ratio = oursSeconds !== null && torchSeconds !== null && torchSeconds > 0 ? oursSeconds / torchSeconds : null;
  return { name, oursSeconds, torchSeconds, ratio, numTensors: ours?.numTensors ?? null, peakRssMb: ours?.peakRssMb ?? null };
}

/** Seconds with three significant digits (milliseconds below 1 s), or a dash. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '-';
  return seconds < 1 ? `${(seconds * 1000).toPrecision(3)} ms` : `${seconds.toPrecision(3)} s`;
}

/** A Markdown table of the records, with PyTorch's median per thread count where measured. */
export function markdownTable(records: readonly BenchRecord[], torchByThreads: Readonly<Record<string, Readonly<Record<string, number>>>>): string {
  const threads = [...new Set(Object.values(torchByThreads).flatMap((byThreads) => Object.keys(byThreads)))].sort();
  const header = ['step', 'ours', ...threads.map((t) => `PyTorch ${t} thread${t === '1' ? '' : 's'}`), 'ours / PyTorch best', 'tensors', 'peak RSS'];
  const rows = records.map((r) => [
    r.name,
    formatSeconds(r.oursSeconds),
    ...threads.map((t) => formatSeconds(torchByThreads[r.name]?.[t] ?? null)),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.numTensors === null ? '-' : String(r.numTensors),
    r.peakRssMb === null ? '-' : `${Math.round(r.peakRssMb)} MB`,
  ]);
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

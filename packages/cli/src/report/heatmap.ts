import type { EvaluationRecord } from '@attrib/core';
import { escapeHtml } from './html.js';

/** The attribution matrix of an evaluation as recorded by the attribution-matrix metric, if it was measured. */
export function attributionMatrixOf(record: EvaluationRecord): { generators: string[]; keys: string[]; matrix: number[][] } | undefined {
  const details = record.results['attribution-matrix']?.details as { generators?: unknown; keys?: unknown; matrix?: unknown } | undefined;
  if (!details || !Array.isArray(details.keys) || !Array.isArray(details.matrix)) return undefined;
  const numbers = (row: unknown): boolean => Array.isArray(row) && row.length === (details.keys as unknown[]).length && row.every((v) => typeof v === 'number');
  if (!details.matrix.every(numbers)) return undefined;
  const keys = details.keys.map(String);
  const generators = Array.isArray(details.generators) ? details.generators.map(String) : keys.map((k) => `G:${k}`);
  return { generators, keys, matrix: details.matrix as number[][] };
}

/** A share in [0, 1] as a colour from near-white (0) to dark blue (1), with a readable text colour. */
export function shareColour(value: number): { background: string; text: string } {
  const t = Math.min(1, Math.max(0, value));
  const low = [247, 251, 255], high = [8, 48, 107];
  const [r, g, b] = low.map((c, i) => Math.round(c + (high[i]! - c) * t));
  return { background: `rgb(${r}, ${g}, ${b})`, text: t > 0.5 ? '#ffffff' : '#111111' };
}

/** The N x N matrix as a coloured table: row g = generator, column j = key, cell = share of g's samples key j claims. */
export function attributionHeatmap(label: string, record: EvaluationRecord): string {
  const found = attributionMatrixOf(record);
  if (!found) return '';
  const { generators, keys, matrix } = found;
  const head = `<tr><th>generator \\ key</th>${keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('')}</tr>`;
  const body = matrix.map((row, g) => {
    const cells = row.map((value, j) => {
      const { background, text } = shareColour(value);
      const kind = g === j ? 'cell own' : 'cell other';
      return `<td class="${kind}" data-value="${value}" style="background:${background};color:${text}" title="${escapeHtml(`${generators[g]} claimed by ${keys[j]}: ${value}`)}">${value.toFixed(2)}</td>`;
    });
    return `<tr><th>${escapeHtml(generators[g] ?? String(g))}</th>${cells.join('')}</tr>`;
  });
  return `<figure class="heatmap" data-evaluation="${escapeHtml(label)}">\n<figcaption><code>${escapeHtml(label)}</code></figcaption>\n<table class="matrix">\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>\n</figure>`;
}

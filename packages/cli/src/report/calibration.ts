import { svgPlot, type CalibrationFile, type KeyCalibration, type MeasuredRate, type PlotSeries } from '@attrib/core';
import { escapeHtml, htmlTable } from './html.js';

/** Names of the histogram's sets, as the legend says them. */
const SET_NAMES: Record<string, string> = {
  heldOut: 'held-out real', root: 'root samples', ood: 'out-of-distribution', own: 'own generator', others: 'other generators',
};

const rate = (r: MeasuredRate | null): string => (r ? `${r.k}/${r.n} [${r.lower.toExponential(1)}, ${r.upper.toExponential(1)}]` : '—');

/** One key's score histograms (each set as a share of its images per bin) with its threshold in the title. */
function keyFigure(k: KeyCalibration): string {
  const { edges, counts } = k.histogram;
  const series: PlotSeries[] = Object.entries(counts).map(([set, c]) => {
    const total = c.reduce((a, b) => a + b, 0) || 1;
    return { name: SET_NAMES[set] ?? set, points: c.map((n, i) => [(edges[i]! + edges[i + 1]!) / 2, n / total] as const) };
  });
  const svg = svgPlot({
    title: `${k.key}: threshold ${k.threshold.value.toFixed(2)} (${k.threshold.basis})`, xLabel: 'score phi . x', yLabel: 'share per bin', series, lines: true,
  });
  return `<figure class="curve" data-key="${escapeHtml(k.key)}">${svg}</figure>`;
}

/** The calibration section: rates per key at the thresholds, then the score histograms per key. */
export function calibrationSection(c: CalibrationFile | undefined): string {
  if (!c) return '<h2 id="calibration">Calibration</h2>\n<p class="note">Not calibrated: run <code>attrib calibrate RUN</code>.</p>';
  const rows = c.keys.map((k) => [
    escapeHtml(k.key), `${k.threshold.value.toFixed(3)} (${k.threshold.basis})`, rate(k.falseAttribution.heldOut), rate(k.falseAttribution.root),
    rate(k.falseAttribution.ood), k.falseAttribution.extrapolated.toExponential(1), rate(k.detection), rate(k.otherGenerators),
  ]);
  return [
    '<h2 id="calibration">Calibration</h2>',
    `<p class="note">Target false-attribution rate ${c.fpr} per key${c.postProcess ? `, under ${escapeHtml(c.postProcess.name)}` : ''}; counts with exact 95% intervals. Below about 3.7/n no count can show a rate: the fitted figure is an extrapolation.</p>`,
    htmlTable('metrics', ['key', 'threshold', 'fpr held-out', 'fpr root', 'fpr ood', 'fpr fitted (extrapolated)', 'tpr', 'claims of other generators'], rows),
    `<div class="curves">\n${c.keys.map(keyFigure).join('\n')}\n</div>`,
  ].join('\n');
}

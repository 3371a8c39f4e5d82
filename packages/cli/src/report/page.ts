import { basename } from 'node:path';
import type { RunManifest } from '@attrib/core';
import { calibrationSection } from './calibration.js';
import { attributionHeatmap } from './heatmap.js';
import { escapeHtml } from './html.js';
import { orderedEvaluations, perKeyTable, summaryTable } from './metric-tables.js';
import type { EmbeddedImage, RunReportData } from './read-run.js';
import { studySection } from './study.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #111; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
table.metrics td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.matrix td { text-align: center; min-width: 56px; font-variant-numeric: tabular-nums; }
.heatmaps { display: flex; flex-wrap: wrap; gap: 24px; }
figure { margin: 0; } figcaption { font-size: 12px; color: #444; margin-bottom: 4px; }
img { image-rendering: pixelated; display: block; }
table.images td { text-align: center; } table.images figcaption { text-align: center; }
dl.overview { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.overview dt { color: #555; } dl.overview dd { margin: 0; }
.note { color: #666; } .warning { color: #8a4b00; }
.curves { display: flex; flex-wrap: wrap; gap: 16px; } figure.curve svg { width: 560px; height: auto; display: block; }
`;

/** An embedded image at an integer scale bringing it near `target` pixels wide (never shrunk). */
function imageTag(image: EmbeddedImage | undefined, alt: string, target: number): string {
  if (!image) return `<span class="note">not written yet</span>`;
  const scale = Math.max(1, Math.min(8, Math.floor(target / image.width)));
  return `<img src="${image.dataUri}" alt="${escapeHtml(alt)}" width="${image.width * scale}" height="${image.height * scale}" data-file="${escapeHtml(image.file)}">`;
}

function overview(manifest: RunManifest): string {
  const shape = manifest.imageShape;
  const robust = Object.entries(manifest.robust).map(([label, ids]) => `${label}: ${ids.join(', ')}`).join('; ');
  const items: [string, string][] = [
    ['adapter', manifest.adapter],
    ['image shape', `${shape.height} x ${shape.width} x ${shape.channels}`],
    ['root', manifest.root.source],
    ['data', [manifest.data.source, manifest.data.path, manifest.data.split].filter(Boolean).join(' ')],
    ['seed', String(manifest.seed)],
    ['keys', manifest.keys.join(', ') || 'none'],
    ['keyed generators', manifest.generators.join(', ') || 'none'],
    ['robust generators', robust || 'none'],
    ['created / updated', `${manifest.createdAt} / ${manifest.updatedAt}`],
    ['backend, versions', `${manifest.backend}; attrib ${manifest.versions.attrib}, tfjs ${manifest.versions.tfjs}, node ${manifest.versions.node}`],
  ];
  const pending = manifest.pending
    ? `<p class="warning">Unfinished ${escapeHtml(manifest.pending.stage)} job (keys ${escapeHtml(manifest.pending.keys.join(', '))}), started ${escapeHtml(manifest.pending.startedAt)}; finish it with --resume.</p>`
    : '';
  return `<dl class="overview">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>${pending}`;
}

function metricsSections(data: RunReportData): string {
  const evaluations = orderedEvaluations(data.metrics);
  if (evaluations.length === 0) {
    return `<h2 id="metrics">Metrics</h2>\n<p class="note">No evaluation yet: run <code>attrib evaluate ${escapeHtml(data.dir)}</code>.</p>`;
  }
  const heatmaps = evaluations.map(([label, record]) => attributionHeatmap(label, record)).filter(Boolean);
  return [
    '<h2 id="metrics">Metrics</h2>',
    summaryTable(evaluations),
    ...evaluations.map(([label, record]) => perKeyTable(label, record)),
    '<h2 id="matrix">Attribution matrix</h2>',
    '<p class="note">Row: a keyed generator; column: a key; cell: the share of the generator\'s samples the key claims (score below 0). Ideal: 1 on the diagonal, 0 elsewhere.</p>',
    heatmaps.length
      ? `<div class="heatmaps">\n${heatmaps.join('\n')}\n</div>`
      : '<p class="note">Not measured: evaluate with the attribution-matrix metric.</p>',
  ].join('\n');
}

/** Rows per key: the key, its keyed generator's samples and its robust ones, beside the root's samples (first column). */
function imagesSection(data: RunReportData): string {
  if (data.keys.length === 0) return '<h2 id="samples">Samples and keys</h2>\n<p class="note">No key yet.</p>';
  const head = ['Root G0', 'Key', 'Keyed generator', ...data.robustLabels.map((label) => `Robust to ${escapeHtml(label)}`)];
  const rows = data.keys.map((k, i) => {
    const root = i === 0 ? `<td rowspan="${data.keys.length}"><figure><figcaption>root samples</figcaption>${imageTag(data.root, 'samples of the root generator', 300)}</figure></td>` : '';
    const cells = [
      `<figure><figcaption>${escapeHtml(k.id)}</figcaption>${imageTag(k.key, `key ${k.id}`, 128)}</figure>`,
      `<figure><figcaption>G:${escapeHtml(k.id)}</figcaption>${imageTag(k.samples, `samples of the generator of ${k.id}`, 300)}</figure>`,
      ...data.robustLabels.map((label) => label in k.robust
        ? `<figure><figcaption>G:${escapeHtml(k.id)} robust to ${escapeHtml(label)}</figcaption>${imageTag(k.robust[label], `samples of the generator of ${k.id} robust to ${label}`, 300)}</figure>`
        : '<span class="note">none</span>'),
    ];
    return `<tr>${root}${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return [
    '<h2 id="samples">Samples and keys</h2>',
    '<p class="note">Sample grids on the run\'s fixed inputs; keys drawn with 0 as mid-grey and the largest entry black or white.</p>',
    `<table class="images">\n<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
  ].join('\n');
}

/** The whole page: self-contained (inline style, images as data URIs, charts as inline SVG, no script). */
export function reportPage(data: RunReportData, generatedAt: string): string {
  const title = `attrib report: ${basename(data.dir)}`;
  const study = data.study ? ['<h2 id="robustness">Robustness</h2>', studySection(data.study)] : [];
  // The large sample grids go last, so that the numbers and curves fit one screen.
  const sections = data.manifest
    ? [overview(data.manifest), metricsSections(data), calibrationSection(data.calibration), ...study, imagesSection(data)]
    : ['<p class="note">A study folder: no run manifest, so only the study is shown.</p>', ...study];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(data.dir)} — report written ${escapeHtml(generatedAt)}</p>
${sections.join('\n')}
</body>
</html>
`;
}

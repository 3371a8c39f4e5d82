import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addKeys, evaluateRun, initRun, readPng, STUDY_FORMAT, trainGenerators, trainRobust, type EvaluationRecord, type StudyFile, type StudyRow,
} from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, testHost, TINY_OPTIONS, writeRunFixture } from '@attrib/testing/run-fixture';
import { chromiumAvailable, dumpDom, screenshot } from '@attrib/testing/cli/chromium';
import { runCommand } from '@attrib/testing/cli/run-command';
import type { RunReportResult } from '../report/index.js';
import { perKeyTable, summaryTable } from '../report/metric-tables.js';
import Report from './report.js';

/** A cell of study.json, typed as core's study writes it (strengths as text, alpha only for robust cells). */
function cell(postprocess: string, param: string, strength: string, robust: boolean, distinguishability: number, attributability: number): StudyRow {
  return {
    cell: `${postprocess}-${strength}-${robust}`, adapter: 'test-dense', postprocess, param, strength, alpha: robust ? 10 : null, angle: 'orthogonal', robust,
    distinguishability, attributability, tprAtFpr1e2: null, tprAtFpr1e3: null, l2: 3.1, psnr: 30, ssim: 0.9, fid: null, keyCosine: 0, keys: 3, base: 'small', run: 'cells/x', finishedAt: '2026-01-01T00:00:00Z',
  };
}

/** A study: blur plain and robust, jpeg with one cell lacking distinguishability and one lacking a strength, list strengths, no post-process. */
const STUDY: StudyFile = {
  format: STUDY_FORMAT, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', settings: {},
  cells: [
    cell('none', '', '', false, 0.99, 0.99),
    cell('blur', 'sigma', '0', false, 0.99, 0.98), cell('blur', 'sigma', '1', false, 0.9, 0.8), cell('blur', 'sigma', '2', false, 0.7, 0.5),
    cell('blur', 'sigma', '1', true, 0.97, 0.95), cell('blur', 'sigma', '2', true, 0.93, 0.9),
    cell('jpeg', 'quality', '90', false, 0.95, 0.9), { ...cell('jpeg', 'quality', '50', false, 0, 0.6), distinguishability: null } as unknown as StudyRow,
    cell('jpeg', 'quality', '10', false, 0.6, 0.3),
    cell('jpeg', '', '', false, 0.5, 0.5),
    cell('crop', 'size', '12,12', false, 0.9, 0.85), cell('crop', 'size', '8,8', false, 0.8, 0.7),
  ],
};

/** Whether the page is opened in chromium: always in CI (an error there without it), skipped elsewhere without it. */
const browser = chromiumAvailable();
let run: string;
let metrics: Record<string, EvaluationRecord>;
beforeAll(async () => {
  await useBackend('cpu');
  const host = await testHost();
  const fixture = await writeRunFixture(128);
  run = join(fixture.dir, 'run');
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 7, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: run, count: 2, options: TINY_OPTIONS.keys });
  await trainGenerators(host, { dir: run, options: TINY_OPTIONS.generators });
  await trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast' }], options: TINY_OPTIONS.robust });
  await evaluateRun(host, { dir: run, samples: 40 });
  await evaluateRun(host, { dir: run, samples: 40, postProcess: { name: 'test-contrast' } });
  writeFileSync(join(run, 'study.json'), JSON.stringify(STUDY));
  metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as Record<string, EvaluationRecord>;
});

const IMAGE_FILES = ['samples/root.png', ...['key-1', 'key-2', 'key-3'].flatMap((id) => [`keys/${id}.png`, `samples/${id}.png`, `samples/${id}-robust-test-contrast.png`])];

/** The text of every cell of the first row of `table` (an HTML fragment) whose first cell contains `label`. */
function rowCells(html: string, tableClass: string, label: string): string[] {
  const table = html.match(new RegExp(`<table class="${tableClass}">[\\s\\S]*?</table>`))?.[0] ?? '';
  const row = table.split('<tr>').find((r) => r.split('</td>')[0]!.includes(label)) ?? '';
  return [...row.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
}

describe('attrib report', () => {
  it('writes RUN/report.html: metric tables, the attribution matrices, every image embedded byte for byte, study curves', async () => {
    const outcome = await runCommand<RunReportResult>(Report, [run, '--json']);
    expect(outcome.error).toBeUndefined();
    const result = JSON.parse(outcome.stdout) as RunReportResult;
    expect(result).toMatchObject({ out: join(run, 'report.html'), images: IMAGE_FILES.length, studyRows: STUDY.cells.length });
    expect(result.evaluations).toEqual(['plain', 'robust-test-contrast+test-contrast']);
    const html = readFileSync(join(run, 'report.html'), 'utf8');

    // Self-contained: no script, no link, no reference to anything but inline data.
    expect(html).not.toMatch(/<script|<link|href=|url\(/);
    expect([...html.matchAll(/src="([^"]*)"/g)].every((m) => m[1]!.startsWith('data:image/png;base64,'))).toBe(true);

    // Every image is the run's file, unchanged.
    const images = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"[^>]*data-file="([^"]+)"/g)];
    expect(images.map((m) => m[2])).toEqual(IMAGE_FILES);
    for (const [, base64, file] of images) expect(Buffer.from(base64!, 'base64').equals(readFileSync(join(run, file!)))).toBe(true);

    // Summary: one row per evaluation with metrics.json's numbers.
    for (const label of ['plain', 'robust-test-contrast+test-contrast']) {
      const r = metrics[label]!.results;
      const cells = rowCells(html, 'metrics summary', `<code>${label}</code>`);
      expect(cells[1]).toBe(`${r.distinguishability!.summary.mean!.toFixed(4)} ± ${r.distinguishability!.summary.std!.toFixed(4)}<br><small>min ${r.distinguishability!.summary.min!.toFixed(4)}</small>`);
      expect(cells[2]).toBe(`${r.attributability!.summary.mean!.toFixed(4)}<br><small>min ${r.attributability!.summary.min!.toFixed(4)}</small>`);
      const matrix = r['attribution-matrix']!.summary;
      expect(cells[3]).toBe(`diagonalMean ${matrix.diagonalMean!.toFixed(4)}<br>offDiagonalMean ${matrix.offDiagonalMean!.toFixed(4)}`);
    }
    expect(html).toContain('<th>L2 to root</th><th>PSNR (dB)</th><th>SSIM</th>');
    // Per key: distinguishability and L2 of key-2 in the plain evaluation.
    const plain = metrics.plain!.results;
    const key2 = rowCells(html.slice(html.indexOf('Per key: <code>plain</code>')), 'metrics per-key', 'key-2');
    const perKey = (plain.distinguishability!.details!.perKey as { key: string; distinguishability: number }[]).find((k) => k.key === 'key-2')!;
    const l2 = (plain.quality!.details!.perKey as { key: string; l2: number }[]).find((k) => k.key === 'key-2')!;
    expect(key2[1]).toBe(perKey.distinguishability.toFixed(4));
    expect(key2[3]).toBe(l2.l2.toFixed(l2.l2 >= 10 ? 2 : 4));

    // The 3 x 3 matrices, cell by cell, diagonal marked as own.
    for (const label of result.evaluations) {
      const figure = html.match(new RegExp(`<figure class="heatmap" data-evaluation="${label.replace(/[+]/g, '\\+')}">[\\s\\S]*?</figure>`))?.[0] ?? '';
      const cells = [...figure.matchAll(/<td class="cell (own|other)" data-value="([^"]+)"/g)];
      const matrix = (metrics[label]!.results['attribution-matrix']!.details!.matrix as number[][]).flat();
      expect(cells.map((c) => Number(c[2]))).toEqual(matrix);
      expect(cells.map((c) => c[1])).toEqual(['own', 'other', 'other', 'other', 'own', 'other', 'other', 'other', 'own']);
    }

    // Curves: per post-process with strengths, attributability and distinguishability, a line per variant over the rows that have the metric.
    const charts = [...html.matchAll(/<figure class="curve" data-postprocess="(\w+)" data-metric="(\w+)">([\s\S]*?)<\/figure>/g)];
    const series = (svg: string): Record<string, number> => Object.fromEntries(
      [...svg.matchAll(/<g class="series" data-name="([^"]+)">([\s\S]*?)<\/g>/g)].map((m) => [m[1], (m[2]!.match(/<circle/g) ?? []).length]));
    expect(charts.map((c) => [c[1], c[2], series(c[3]!)])).toEqual([
      ['blur', 'attributability', { plain: 3, 'robust a=10': 2 }],
      ['blur', 'distinguishability', { plain: 3, 'robust a=10': 2 }],
      ['jpeg', 'attributability', { plain: 3 }],
      ['jpeg', 'distinguishability', { plain: 2 }],
      ['crop', 'attributability', { plain: 2 }],
      ['crop', 'distinguishability', { plain: 2 }],
    ]);
    expect(charts[4]![3]).toContain('>12,12</text>');
    expect(charts[2]![3]).toContain('>jpeg quality</text>');
    expect(html).toContain('<p class="note">No curve for <code>none</code>: no row with a strength and attributability or distinguishability.</p>');
    // jpeg's attributability line runs in order of quality (10, 50, 90): x rises, and so does the point (0.3, 0.6, 0.9: y falls on screen).
    const jpeg = charts[2]![3]!.match(/<polyline[^>]* points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(jpeg).toHaveLength(3);
    expect(jpeg[0]![0]).toBeLessThan(jpeg[1]![0]!);
    expect(jpeg[1]![0]).toBeLessThan(jpeg[2]![0]!);
    expect(jpeg[0]![1]).toBeGreaterThan(jpeg[1]![1]!);
    expect(jpeg[1]![1]).toBeGreaterThan(jpeg[2]![1]!);
  });

  it.skipIf(!browser)('shows in headless Chromium: every image decoded at its size, the coloured matrices, the curves; screenshot kept', async () => {
    const report = join(run, 'report.html');
    if (!existsSync(report)) await runCommand(Report, [run]);
    // A copy with a probe that records, after load, what the browser made of the page.
    const probe = `<script>addEventListener('load', () => {
      const box = (e) => e.getBoundingClientRect();
      const seen = {
        headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        images: [...document.images].map((i) => ({ file: i.dataset.file, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight, shown: box(i).width })),
        heatmaps: [...document.querySelectorAll('figure.heatmap')].map((f) => ({ evaluation: f.dataset.evaluation,
          cells: [...f.querySelectorAll('td.cell')].map((td) => ({ value: Number(td.dataset.value), background: getComputedStyle(td).backgroundColor, text: td.textContent, shown: box(td).width })) })),
        curves: [...document.querySelectorAll('figure.curve')].map((f) => ({ chart: f.dataset.postprocess + '/' + f.dataset.metric, shown: box(f.querySelector('svg')).width,
          lines: [...f.querySelectorAll('g.series')].map((g) => ({ name: g.dataset.name, points: g.querySelectorAll('circle').length, length: g.querySelector('polyline')?.getTotalLength() ?? 0 })) })),
      };
      const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = btoa(JSON.stringify(seen)); document.body.append(pre);
    });</script>`;
    const probed = join(run, 'probed.html');
    writeFileSync(probed, readFileSync(report, 'utf8').replace('</body>', `${probe}\n</body>`));
    const dom = await dumpDom(probed);
    const encoded = dom.match(/<pre id="probe">([^<]+)<\/pre>/)?.[1];
    expect(encoded, 'the probe ran after load').toBeDefined();
    const seen = JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')) as {
      headings: string[];
      images: { file: string; complete: boolean; width: number; height: number; shown: number }[];
      heatmaps: { evaluation: string; cells: { value: number; background: string; text: string; shown: number }[] }[];
      curves: { chart: string; shown: number; lines: { name: string; points: number; length: number }[] }[];
    };
    expect(seen.headings).toEqual(['Metrics', 'Attribution matrix', 'Calibration', 'Robustness', 'Samples and keys']);
    expect(seen.images.map((i) => i.file)).toEqual(IMAGE_FILES);
    for (const image of seen.images) {
      const png = await readPng(join(run, image.file), 1);
      expect({ file: image.file, complete: image.complete, width: image.width, height: image.height }).toEqual({ file: image.file, complete: true, width: png.width, height: png.height });
      expect(image.shown).toBeGreaterThanOrEqual(png.width);
    }
    expect(seen.heatmaps.map((h) => h.evaluation)).toEqual(['plain', 'robust-test-contrast+test-contrast']);
    for (const { cells } of seen.heatmaps) {
      expect(cells).toHaveLength(9);
      for (const cell of cells) {
        expect(cell.text).toBe(cell.value.toFixed(2));
        expect(cell.shown).toBeGreaterThan(0);
        // Darker blue for larger shares: the red channel falls from 247 at 0 to 8 at 1.
        const red = Number(cell.background.match(/^rgb\((\d+), \d+, \d+\)$/)![1]);
        expect(red).toBe(Math.round(247 + (8 - 247) * cell.value));
      }
    }
    expect(seen.curves.map((c) => [c.chart, c.shown, c.lines.map((l) => [l.name, l.points])])).toEqual([
      ['blur/attributability', 560, [['plain', 3], ['robust a=10', 2]]],
      ['blur/distinguishability', 560, [['plain', 3], ['robust a=10', 2]]],
      ['jpeg/attributability', 560, [['plain', 3]]],
      ['jpeg/distinguishability', 560, [['plain', 2]]],
      ['crop/attributability', 560, [['plain', 2]]],
      ['crop/distinguishability', 560, [['plain', 2]]],
    ]);
    for (const curve of seen.curves) for (const line of curve.lines) expect(line.length).toBeGreaterThan(10);

    const shotDir = join(tmpdir(), 'attrib-report-test');
    mkdirSync(shotDir, { recursive: true });
    const shot = join(shotDir, 'report.png');
    await screenshot(report, shot, 1200, 2000);
    console.log(`report screenshot: ${shot}`);
    const image = await readPng(shot, 3);
    expect([image.width, image.height]).toEqual([1200, 2000]);
    // The darkest matrix cell's colour fills a cell-sized patch of the screenshot.
    const darkest = seen.heatmaps[0]!.cells.reduce((a, b) => (b.value > a.value ? b : a));
    const [r, g, b] = darkest.background.match(/\d+/g)!.map(Number);
    let matching = 0;
    for (let p = 0; p < image.width * image.height; p++) {
      const d = image.data;
      if (Math.abs(d[p * 3]! - r!) <= 2 && Math.abs(d[p * 3 + 1]! - g!) <= 2 && Math.abs(d[p * 3 + 2]! - b!) <= 2) matching += 1;
    }
    expect(matching).toBeGreaterThan(200);
  });

  it('writes --out elsewhere and says what it wrote; a study-only folder gets the curves alone', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'attrib-report-out-')), 'nested', 'r.html');
    const outcome = await runCommand(Report, [run, '--out', out]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toMatch(new RegExp(`^${out.replace(/[.]/g, '\\.')}: 2 evaluations, 10 images, 12 study rows \\(\\d+ KiB\\)\\n$`));
    expect(readFileSync(out, 'utf8')).toContain('<h2 id="robustness">Robustness</h2>');

    const studyOnly = mkdtempSync(join(tmpdir(), 'attrib-study-'));
    writeFileSync(join(studyOnly, 'study.json'), JSON.stringify({ ...STUDY, cells: STUDY.cells.slice(1, 4) }));
    const study = await runCommand<RunReportResult>(Report, [studyOnly, '--json']);
    expect(study.error).toBeUndefined();
    expect(study.result).toMatchObject({ images: 0, studyRows: 3, evaluations: [] });
    const html = readFileSync(join(studyOnly, 'report.html'), 'utf8');
    expect(html).toContain('only the study is shown');
    expect(html).not.toContain('<img');
    expect([...html.matchAll(/<figure class="curve" data-postprocess="(\w+)" data-metric="(\w+)">[\s\S]*?<\/figure>/g)].map((m) => `${m[1]}/${m[2]}`))
      .toEqual(['blur/attributability', 'blur/distinguishability']);
  });

  it('bad input: one-line errors naming the folder or file; an existing report is kept', async () => {
    const missing = join(tmpdir(), 'attrib-no-such-run');
    const none = await runCommand(Report, [missing]);
    expect(none.stderr).toBe(`Error: run folder ${missing} does not exist; create it with \`attrib keys init\`\n`);
    expect(existsSync(missing)).toBe(false);

    const copy = mkdtempSync(join(tmpdir(), 'attrib-report-bad-'));
    writeFileSync(join(copy, 'manifest.json'), readFileSync(join(run, 'manifest.json')));
    writeFileSync(join(copy, 'report.html'), 'earlier report');
    writeFileSync(join(copy, 'study.json'), '{"rows": [1');
    const before = await snapshot(copy);
    const broken = await runCommand(Report, [copy]);
    expect(broken.stderr).toBe(`Error: ${join(copy, 'study.json')}: not JSON; expected study results: {"cells": [...]} (attrib study), {"rows": [...]} or a list of rows {postprocess, strength, attributability, ...}\n`);
    writeFileSync(join(copy, 'study.json'), '{"points": []}');
    expect((await runCommand(Report, [copy])).stderr).toMatch(/study\.json: no list of rows; expected/);
    writeFileSync(join(copy, 'study.json'), '{"rows": [1');
    expect(await snapshot(copy)).toEqual(before);

    const folderOut = await runCommand(Report, [run, '--out', copy]);
    expect(folderOut.stderr).toBe(`Error: --out ${copy}: is a folder; expected the path of the HTML file to write\n`);
  });

  it('without chromium the browser test is an error in CI, saying how to install it, and skipped elsewhere', () => {
    const absent = join(tmpdir(), 'attrib-no-chromium');
    expect(() => chromiumAvailable(absent, { CI: 'true' })).toThrow(`${absent} not found: install Debian's chromium (apt-get install -y chromium); CI requires the browser checks`);
    expect(chromiumAvailable(absent, {})).toBe(false);
    expect(chromiumAvailable(absent, { CI: 'false' })).toBe(false);
  });

  it('the metric table shows FID (mean ± std, root) and a plugin metric when metrics.json holds them', () => {
    const record: EvaluationRecord = {
      evaluatedAt: '2026-01-01T00:00:00.000Z', generators: 'plain', postProcess: null, keys: ['key-1', 'key-2'], backend: 'cpu',
      results: {
        fid: { summary: { root: 4.25, mean: 12.5, std: 1.5 }, details: { perKey: [{ key: 'key-1', fid: 11 }, { key: 'key-2', fid: 14 }] } },
        'my-metric': { summary: { score: 0.5 } },
      },
    };
    const summary = summaryTable([['plain', record]]);
    expect(summary).toContain('<th>Evaluation</th><th>FID</th><th>my-metric</th>');
    expect(summary).toContain('<td>12.50 ± 1.5000<br><small>root 4.2500</small></td><td>score 0.5000</td>');
    const perKey = perKeyTable('plain', record);
    expect(perKey).toContain('<th>Key</th><th>FID</th></tr>');
    expect(perKey).toContain('<td><code>key-2</code></td><td>14.00</td>');
  });
});

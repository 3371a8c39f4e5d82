/**
 * `attrib calibrate` and `attrib identify` with evidence on one small run (test-dense root,
 * 3 keys): calibrate writes the run's calibration, identify reads it for its evidence and bars.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseThreshold, countAtMost, createRng, encodePng, type CalibrateRunResult, type CalibrationFile, type CertifyRunResult, type PluginHost } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeSmallRun } from '@attrib/testing/small-run';
import Calibrate from '../commands/calibrate.js';
import Certify from '../commands/certify.js';
import Identify, { type IdentifyResult } from '../commands/identify.js';
import Report from '../commands/report.js';

let run: string;
let dataFile: string;
let images: string;
let common: string[];
let host: PluginHost;

/** 8-bit grey PNGs of images NHWC in [-1, 1]. */
async function writePngs(batch: tf.Tensor4D, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const bytes = tf.tidy(() => tf.floor(tf.clipByValue(tf.add(tf.mul(tf.add(tf.clipByValue(batch, -1, 1), 1), 127.5), 0.5), 0, 255)));
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  for (let i = 0; i < batch.shape[0]; i++) writeFileSync(join(dir, `${i}.png`), encodePng({ width: 16, height: 16, channels: 1, data: data.subarray(i * 256, (i + 1) * 256) }));
}

beforeAll(async () => {
  await useBackend('cpu');
  const made = await writeSmallRun();
  host = made.host;
  run = made.run;
  dataFile = made.fixture.dataFile;
  images = join(made.fixture.dir, 'images');
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
  const { RunFolder } = await import('@attrib/core');
  const folder = await RunFolder.open(run);
  for (const id of folder.manifest.generators) {
    const generator = await folder.readGenerator(id, (name) => host.adapter(name));
    const batch = tf.tidy(() => generator.generate(generator.sampleInputs(10, createRng(41))));
    await writePngs(batch, join(images, id));
    batch.dispose();
    generator.dispose();
  }
  const data = JSON.parse(readFileSync(dataFile, 'utf8')) as { values: number[] };
  const real = tf.tensor4d(data.values.slice(0, 10 * 256), [10, 16, 16, 1]);
  await writePngs(real, join(images, 'real'));
  real.dispose();
}, 180_000);

describe('attrib calibrate', () => {
  it('needs held-out images when the run trained on all of its data, and checks --fpr', async () => {
    const none = await runCommand(Calibrate, [run, ...common]);
    expect(none.stderr).toMatch(/^Error: run \S+ trained on test-json \(all of its images\), so none are held out; .*--heldout SOURCE\[:PATH\]\)\n$/);
    expect(none.error).toBeDefined();
    const bad = await runCommand(Calibrate, [run, '--fpr', 'often', '--heldout', `test-json:${dataFile}`, ...common]);
    expect(bad.stderr).toMatch(/--fpr "often": expected a number/);
    expect(existsSync(join(run, 'calibration.json'))).toBe(false);
  });

  it('writes RUN/calibration.json and prints a row per key; --json gives the file', async () => {
    const text = await runCommand(Calibrate, [run, '--fpr', '0.01', '--samples', '100', '--heldout', `test-json:${dataFile}`, ...common]);
    expect(text.error, text.stderr).toBeUndefined();
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('calibration for a false-attribution rate of 0.01 per key (plain generators); counts with exact 95% intervals');
    expect(lines[1]).toMatch(/^KEY +THRESHOLD +FPR HELD-OUT +FPR ROOT +FPR OOD +FPR FITTED \(EXTRAPOLATED\) +TPR +CLAIMS OF OTHER GENERATORS$/);
    expect(lines[2]).toMatch(/^key-1 +-?\d+\.\d{3} \((sign|measured|extrapolated|lowest-authentic)\) +\d+\/512 \[\S+, \S+\] +\d+\/100 \[/);
    expect(lines.at(-3)).toBe('thresholds: 612 authentic scores per key can show 0.01 (measured: the exact 95% upper bound of the authentic rate below the bar is at most 0.01)');
    expect(lines.at(-1)).toBe(`written to ${join(run, 'calibration.json')}`);
    const json = await runCommand<CalibrateRunResult>(Calibrate, [run, '--fpr', '0.01', '--samples', '100', '--heldout', `test-json:${dataFile}`, ...common, '--json']);
    const parsed = JSON.parse(json.stdout) as CalibrateRunResult;
    expect(parsed.calibration).toEqual(JSON.parse(readFileSync(join(run, 'calibration.json'), 'utf8')));
    expect(parsed.calibration.keys.map((k) => k.key)).toEqual(['key-1', 'key-2', 'key-3']);
  });
});

describe('attrib report with a calibration', () => {
  it('shows the calibration table and a score histogram per key, titled with its threshold', async () => {
    const out = join(run, 'report-test.html');
    const outcome = await runCommand(Report, [run, '--out', out]);
    expect(outcome.error, outcome.stderr).toBeUndefined();
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h2 id="calibration">Calibration</h2>');
    const calibration = JSON.parse(readFileSync(join(run, 'calibration.json'), 'utf8')) as CalibrationFile;
    for (const k of calibration.keys) {
      expect(html).toContain(`<figure class="curve" data-key="${k.key}">`);
      expect(html).toContain(`${k.key}: threshold ${k.threshold.value.toFixed(2)} (${k.threshold.basis})`);
    }
    expect(html.match(/data-key="/g)).toHaveLength(3);
  });
});

describe('attrib identify with evidence', () => {
  let calibration: CalibrationFile;
  beforeAll(() => {
    calibration = JSON.parse(readFileSync(join(run, 'calibration.json'), 'utf8')) as CalibrationFile;
  });

  it('reads RUN/calibration.json: every score carries how often an authentic image scores that low (recounted from the file)', async () => {
    const outcome = await runCommand<IdentifyResult>(Identify, [images, '--run', run, ...common, '--json']);
    expect(outcome.error, outcome.stderr).toBeUndefined();
    const result = JSON.parse(outcome.stdout) as IdentifyResult;
    expect(result.calibration).toEqual({ file: join(run, 'calibration.json'), fpr: null });
    expect(result.images).toHaveLength(40);
    for (const v of result.images) {
      for (const s of v.scores) {
        const authentic = calibration.keys.find((k) => k.key === s.key)!.authentic;
        expect(s.bar).toBe(0);
        expect(s.authentic!.measured.k).toBe(countAtMost(authentic, s.score));
        expect(s.authentic!.measured.n).toBe(612);
        expect(s.authentic!.measured.upper).toBeGreaterThanOrEqual(s.authentic!.measured.rate);
      }
      if (v.kind === 'keyed') {
        expect(v.claimant).toBe(v.key);
        expect(v.margin).toBeCloseTo(-v.scores.find((s) => s.key === v.key)!.score, 12);
      }
    }
    const keyed = result.images.filter((v) => v.file.includes('/key-2/') && v.kind === 'keyed' && v.key === 'key-2');
    expect(keyed.length).toBeGreaterThanOrEqual(8);
    const table = await runCommand(Identify, [join(images, 'key-2', '0.png'), '--run', run, ...common]);
    expect(table.stdout.split('\n')[0]).toMatch(/^IMAGE +VERDICT +CLAIMANT +MARGIN +AUTHENTIC THIS LOW \(MEASURED, 95%\) +FITTED \(EXTRAPOLATED\) +SCORES$/);
  });

  it('--fpr sets each key\'s bar to its calibrated threshold; claims above the bar become inconclusive', async () => {
    const fpr = 0.2;
    const outcome = await runCommand<IdentifyResult>(Identify, [images, '--run', run, '--fpr', String(fpr), ...common, '--json']);
    expect(outcome.error, outcome.stderr).toBeUndefined();
    const result = JSON.parse(outcome.stdout) as IdentifyResult;
    expect(result.calibration!.fpr).toBe(fpr);
    const bars = new Map(calibration.keys.map((k) => [k.key, chooseThreshold(Float64Array.from(k.authentic).sort(), k.tail, fpr).value]));
    for (const v of result.images) {
      for (const s of v.scores) expect(s.bar).toBe(bars.get(s.key));
      const standing = v.scores.filter((s) => s.score < s.bar!).map((s) => s.key);
      expect(v.claimedBy).toEqual(standing);
      const signClaims = v.scores.some((s) => s.score < 0);
      expect(v.kind).toBe(standing.length === 1 ? 'keyed' : standing.length > 1 ? 'ambiguous' : signClaims ? 'inconclusive' : 'authentic');
    }
  });

  it('--fpr without a calibration is a one-line error', async () => {
    const copy = join(run, 'calibration.json');
    const saved = readFileSync(copy);
    rmSync(copy);
    try {
      const outcome = await runCommand(Identify, [images, '--run', run, '--fpr', '1e-3', ...common]);
      expect(outcome.stderr).toMatch(/^Error: --fpr needs a calibration: run `attrib calibrate \S+` first or give --calibration FILE\n$/);
    } finally {
      writeFileSync(copy, saved);
    }
  });
});

describe('attrib certify', () => {
  it('checks every key pair, bounds attributability by 1 - N delta and measures it with exact bounds', async () => {
    const text = await runCommand(Certify, [run, '--samples', '100', '--heldout', `test-json:${dataFile}`, ...common]);
    expect(text.error, text.stderr).toBeUndefined();
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY PAIR +ANGLE \(DEGREES\) +COSINE +A \(MAX COSINE\) +MIN ANGLE +CONDITION +>= 90 DEGREES +GUARANTEED 1 - 2 DELTA +MEASURED ATTRIBUTABILITY$/);
    expect(lines[1]).toMatch(/^key-1 \/ key-2 +\d+\.\d{3} +-?\d\.\d{2}e[-+]\d+ +-?\d+\.\d{4} +\d+\.\d{2} +(holds|FAILS) +(yes|no) +-?\d\.\d{4} +\d+\/200 \[\S+, \S+\]$/);
    expect(lines.at(-1)).toMatch(/^measured attributability: \d+\/300 \[\S+, \S+\] = \d\.\d{4} \(100 samples per generator; held-out test-json\S*\)$/);
    const json = await runCommand<CertifyRunResult>(Certify, [run, '--samples', '100', '--heldout', `test-json:${dataFile}`, ...common, '--json']);
    const c = JSON.parse(json.stdout) as CertifyRunResult;
    expect(c.pairs).toHaveLength(3);
    expect(c.orthogonal).toBe(c.pairs.every((p) => p.cosine <= 0));
    expect(c.condition).toBe(c.pairs.every((p) => p.cosine <= p.angleBound));
    // a from the keys' extents, recomputed from the reported d_min and d_max.
    const ext = new Map(c.keys.map((k) => [k.key, k.extent]));
    for (const p of c.pairs) {
      const [i, j] = [ext.get(p.keys[0])!, ext.get(p.keys[1])!];
      expect(p.angleBound).toBe(Math.min(j.dMin / i.dMax, i.dMin / j.dMax));
      expect(p.attributability.n).toBe(200);
    }
    expect(c.bound).toBeCloseTo(1 - 3 * Math.max(...c.keys.map((k) => k.delta)), 12);
    expect(c.attributability.n).toBe(300);
    expect(c.attributability.lower).toBeLessThanOrEqual(c.attributability.rate);
    expect(c.attributability.rate).toBeGreaterThan(0.5);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addKeys } from '../engine/runs/add-keys.js';
import { evaluateRun } from '../engine/runs/evaluate-run.js';
import { initRun } from '../engine/runs/init-run.js';
import { trainGenerators } from '../engine/runs/train-generators.js';
import type { RunServices } from '../engine/runs/services.js';
import type { RunManifest } from '../io/run-folder.js';
import type { PluginHost } from '../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { manifestOf } from '@attrib/testing/run-files';
import { snapshot, testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { parseStudyConfig } from './config.js';
import { planCells } from './plan.js';
import { runStudy, type StudyHooks } from './run-study.js';
import { STUDY_COLUMNS, type StudyFile } from './study-file.js';

let host: PluginHost;
let fixture: RunFixture;
let base: string;

const TINY_STUDY = {
  training: { robust: TINY_OPTIONS.robust, keys: TINY_OPTIONS.keys, generators: TINY_OPTIONS.generators },
  evaluation: { samples: 24, fid: false },
};

beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(96);
  base = join(fixture.dir, 'base');
  await initRun(host, { dir: base, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 7, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: base, count: 1, options: TINY_OPTIONS.keys });
  await trainGenerators(host, { dir: base, options: TINY_OPTIONS.generators });
});

function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
}

function counting(): { hooks: StudyHooks; counts: Record<string, number> } {
  const counts: Record<string, number> = { start: 0, skipped: 0, done: 0 };
  return { counts, hooks: { onCell: ({ status }) => { counts[status]! += 1; } } };
}

describe('attrib study over a 2x2 grid (strength x robust)', () => {
  const out = () => join(fixture.dir, 'study');
  // tpr-at-fpr with enough authentic images (96 real and 3,700 root samples) to measure FPR 1e-3.
  const config = () => parseStudyConfig({
    base, postprocesses: { 'test-contrast': { param: 'min', values: [0.5, 0.9] } }, robust: [false, true], ...TINY_STUDY,
    evaluation: { ...TINY_STUDY.evaluation, samplesByMetric: { 'tpr-at-fpr': 3700 } },
  });

  it('writes one row per cell to study.json and study.csv, metrics in range, and the SVG plots', async () => {
    const baseBefore = await snapshot(base);
    const { hooks, counts } = counting();
    const tensors = tf.memory().numTensors;
    const result = await runStudy(host, config(), out(), hooks);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(counts).toEqual({ start: 4, skipped: 0, done: 4 });
    expect(result.ran).toHaveLength(4);
    expect([...result.files].sort()).toEqual(['l2-test-contrast.svg', 'quality-robustness.svg', 'robustness-test-contrast.svg', 'study.csv', 'study.json']);

    const rows = csvRows(join(out(), 'study.csv'));
    expect(Object.keys(rows[0]!)).toEqual([...STUDY_COLUMNS]);
    expect(rows.map((r) => [r.postprocess, r.param, r.strength, r.robust, r.alpha]).sort()).toEqual([
      ['test-contrast', 'min', '0.5', 'false', ''], ['test-contrast', 'min', '0.5', 'true', '10'],
      ['test-contrast', 'min', '0.9', 'false', ''], ['test-contrast', 'min', '0.9', 'true', '10'],
    ]);
    for (const row of rows) {
      expect(row.adapter).toBe('test-dense');
      for (const metric of ['distinguishability', 'attributability', 'tprAtFpr1e2', 'tprAtFpr1e3', 'ssim']) {
        expect(row[metric]).not.toBe('');
        expect(Number(row[metric])).toBeGreaterThanOrEqual(0);
        expect(Number(row[metric])).toBeLessThanOrEqual(1);
      }
      expect(Number(row.l2)).toBeGreaterThan(0);
      expect(Number(row.psnr)).toBeGreaterThan(0);
      expect(row.fid).toBe('');
      // test-contrast declares no linear part: no floor under it.
      expect(row.floor).toBe('');
      expect(row.keys).toBe('2');
      expect(Math.abs(Number(row.keyCosine))).toBeLessThan(1);
    }
    // The plain cells measure the base's generators: same L2 at either strength, as the quality is taken without the post-process.
    const plain = rows.filter((r) => r.robust === 'false');
    expect(plain[0]!.l2).toBe(plain[1]!.l2);
    // ... measured once: the second plain cell's run holds only its evaluation under the post-process.
    const labels = plain.map((r) => Object.keys(JSON.parse(readFileSync(join(out(), 'cells', r.cell, 'metrics.json'), 'utf8'))).sort());
    expect(labels).toEqual([['plain', 'plain+test-contrast'], ['plain+test-contrast']]);

    const study = JSON.parse(readFileSync(join(out(), 'study.json'), 'utf8')) as StudyFile;
    expect(study.cells.map((c) => c.cell).sort()).toEqual(rows.map((r) => r.cell).sort());
    for (const cell of study.cells.filter((c) => c.robust)) {
      const m = JSON.parse(readFileSync(join(out(), cell.run, 'manifest.json'), 'utf8')) as RunManifest;
      expect(m.robust['test-contrast']).toEqual(['key-1', 'key-2']);
      expect(m.config.robust).toMatchObject({ alpha: 10, epochs: 2, stepsPerEpoch: 3 });
      expect((m.pending)).toBeUndefined();
    }
    // What the attack does to the images: a factor of 0.9 changes them less than 0.5.
    const [weak, strong] = ['0.9', '0.5'].map((v) => rows.find((r) => r.robust === 'false' && r.strength === v)!);
    expect(Number(weak!.attackPsnr)).toBeGreaterThan(Number(strong!.attackPsnr));
    expect(Number(weak!.attackSsim)).toBeGreaterThan(Number(strong!.attackSsim));
    expect(Number(strong!.attackSsim)).toBeLessThan(1);
    expect(weak!.attackFid).toBe('');
    const svg = readFileSync(join(out(), 'robustness-test-contrast.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Panels against strength, PSNR and SSIM (no FID measured); in each, plain and robust, attributability and TPR at 1e-3.
    expect(svg.match(/<text [^>]*font-size="15">[^<]*/g)!.map((t) => t.replace(/.*>/, ''))).toEqual(['against strength', 'against PSNR', 'against SSIM']);
    expect(svg.match(/<g class="series" data-name="[^"]*"/g)!.slice(0, 4).map((g) => g.replace(/.*data-name="/, '').replace('"', ''))).toEqual([
      'plain: attributability', 'plain: TPR@FPR 1e-3', 'robust a=10: attributability', 'robust a=10: TPR@FPR 1e-3',
    ]);
    expect(svg.match(/<g class="series"/g)).toHaveLength(12);
    expect(svg.match(/<circle /g)).toHaveLength(24);
    expect(readFileSync(join(out(), 'quality-robustness.svg'), 'utf8').match(/<circle /g)).toHaveLength(4);
    // The base run is read, never written.
    expect(await snapshot(base)).toEqual(baseBefore);
  });

  it('a second invocation redoes nothing and leaves every cell folder and study.json as they were', async () => {
    const before = await snapshot(out());
    const { hooks, counts } = counting();
    const result = await runStudy(host, config(), out(), hooks);
    expect(counts).toEqual({ start: 0, skipped: 4, done: 0 });
    expect(result.ran).toEqual([]);
    expect(result.rows).toHaveLength(4);
    expect(await snapshot(out())).toEqual(before);
  });

  it('other training settings in the same folder are refused, naming study.json', async () => {
    const changed = parseStudyConfig({ base, postprocesses: ['test-contrast'], ...TINY_STUDY, training: { robust: { epochs: 1 } } });
    await expect(runStudy(host, changed, out())).rejects.toThrow(/study\.json: made with other training or evaluation settings; use another output folder/);
  });
});

describe('the collusion axis', () => {
  const out = () => join(fixture.dir, 'collusion-study');
  const config = (collusion: unknown) => parseStudyConfig({ base, postprocesses: ['none'], collusion, ...TINY_STUDY });

  it('measures each pooling method of the base\'s keys, writes collusion.csv and collusion.svg, and releases every tensor', async () => {
    const tensors = tf.memory().numTensors;
    const result = await runStudy(host, config({ k: 2, pool: ['weights', 'splice'] }), out());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.collusion.map((r) => [r.pool, r.k, r.colluders, r.innocents, r.samples])).toEqual([
      ['weights', 2, 'key-1 key-2', '', 24], ['splice', 2, 'key-1 key-2', '', 24],
    ]);
    for (const row of result.collusion) {
      expect(row.every + row.one + row.partial + row.none + row.innocent).toBeCloseTo(1, 12);
      // Every key colludes: nobody is left to be framed, and two colluders cannot be "some".
      expect([row.innocent, row.partial]).toEqual([0, 0]);
    }
    expect(result.files).toEqual(expect.arrayContaining(['collusion.csv', 'collusion.svg']));
    // 24 samples give 48 authentic images (24 real, 24 root): too few to measure TPR at FPR 1e-2 or 1e-3.
    expect([result.rows[0]!.tprAtFpr1e2, result.rows[0]!.tprAtFpr1e3]).toEqual([null, null]);
    const csv = csvRows(join(out(), 'collusion.csv'));
    expect(csv.map((r) => [r.base, r.pool, r.k, r.every])).toEqual(result.collusion.map((r) => ['base', r.pool, '2', String(r.every)]));
    const svg = readFileSync(join(out(), 'collusion.svg'), 'utf8');
    expect(svg.match(/<g class="series"/g)).toHaveLength(10);
    // The measured run is a fork of the base, with its metrics.
    const metrics = JSON.parse(readFileSync(join(out(), 'collusion', 'base', 'metrics.json'), 'utf8')) as Record<string, { results: Record<string, unknown> }>;
    expect(Object.keys(metrics.plain!.results)).toEqual(['collusion']);
  });

  it('a later study with another method measures only what is missing', async () => {
    const before = readFileSync(join(out(), 'collusion.csv'), 'utf8');
    const logs: string[] = [];
    const result = await runStudy(host, config({ k: [2], pool: ['weights', 'splice', 'outputs'] }), out(), { log: (l) => logs.push(l) });
    expect(logs.filter((l) => l.startsWith('collusion'))).toEqual(['collusion of base: 1 measurements (pool x k) written']);
    expect(result.collusion.map((r) => r.pool)).toEqual(['weights', 'splice', 'outputs']);
    expect(readFileSync(join(out(), 'collusion.csv'), 'utf8').startsWith(before)).toBe(true);
  });

  it('refuses more colluders than a base has keys, and bad values, naming the key', async () => {
    await expect(runStudy(host, config({ k: [2, 3] }), join(fixture.dir, 'collusion-bad'))).rejects.toThrow(
      'study config: "collusion.k" expects at most the keys of base base (2), got 3');
    expect(() => config({ k: [1] })).toThrow('study config: "collusion.k" expects a whole number >= 2 or a list of them, got [1]');
    expect(() => config({ pool: 'blend' })).toThrow('study config: "collusion.pool" expects weights, outputs, splice or a list of them, got "blend"');
    expect(() => config({ size: 2 })).toThrow('study config: "collusion.size" expects one of k, pool (unknown key)');
    expect(config(true).collusion).toEqual({ k: [2, 3, 4, 5], pool: ['weights', 'outputs', 'splice'] });
  });
});

describe('the key-angle axis (claim b)', () => {
  it('trains a key run per angle from the base\'s first key: cosine keys move towards the target, orthogonal ones stay at 90 degrees', async () => {
    const out = join(fixture.dir, 'angles');
    const config = parseStudyConfig({
      base, postprocesses: ['none'], angles: ['orthogonal', 'cosine'], keyCount: 3, ...TINY_STUDY,
      training: { ...TINY_STUDY.training, keys: { epochs: 2, stepsPerEpoch: 20, batchSize: 16, lrKey: 0.1, lrDecay: 1 } },
    });
    const result = await runStudy(host, config, out);
    expect(result.rows.map((r) => [r.angle, r.postprocess, r.robust, r.keys])).toEqual([['orthogonal', 'none', false, 3], ['cosine', 'none', false, 3]]);
    const [orthogonal, cosine] = result.rows;
    // Cells without a post-process carry the plain floor, as an evaluation of the cell's run measures it.
    for (const row of result.rows) {
      const again = await evaluateRun(host, { dir: join(out, row.run), metrics: ['floor'], samples: TINY_STUDY.evaluation.samples });
      expect(row.floor).toBeGreaterThan(0);
      expect(row.floor).toBe(again.record.results.floor!.summary.mean);
    }
    // 40 key steps move the cosine keys only part of the way to the target 0.7 (the MNIST
    // example trains the release's schedule); the orthogonal term keeps its keys at 90 degrees.
    expect(Math.abs(orthogonal!.keyCosine!)).toBeLessThan(0.05);
    expect(cosine!.keyCosine!).toBeGreaterThan(0.2);
    for (const angle of ['orthogonal', 'cosine']) {
      const m = JSON.parse(readFileSync(join(out, 'keys', `base-${angle}`, 'manifest.json'), 'utf8')) as RunManifest;
      expect(m.keys).toEqual(['key-1', 'key-2', 'key-3']);
      expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
      expect(m.config.keys).toMatchObject({ angleTerm: angle, lrKey: 0.1, stepsPerEpoch: 20 });
    }
    // key-1 and its generator are the base's.
    expect(readFileSync(join(out, 'keys/base-cosine/keys/key-1.json'))).toEqual(readFileSync(join(base, 'keys/key-1.json')));
  });
});

describe('attrib study with workers', () => {
  /** The test host plus a plugin that, loaded in a worker thread, ends that thread (exit code 3). */
  let stopsWorkers: PluginHost;
  beforeAll(async () => {
    const module = join(fixture.dir, 'stops-workers.mjs');
    await writeFile(module, "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.exit(3);\nexport default { register() {} };\n");
    stopsWorkers = await testHost();
    await stopsWorkers.register({ register() {} }, { name: 'stops-workers', entry: module });
  });

  it('robust training of its cells runs in the worker threads asked for', async () => {
    const out = join(fixture.dir, 'robust-study');
    const config = parseStudyConfig({ base, postprocesses: ['test-contrast'], robust: true, ...TINY_STUDY });
    await expect(runStudy(stopsWorkers, config, out, {}, { workers: 2 })).rejects.toThrow(
      /^generator of key-[12] robust to test-contrast failed: its worker thread stopped \(exit code 3\)$/,
    );
    // The cell's robust job stays recorded, to be resumed.
    const cells = await readdir(join(out, 'cells'));
    expect(cells).toHaveLength(1);
    expect((await manifestOf(join(out, 'cells', cells[0]!))).pending).toMatchObject({ stage: 'robust', keys: ['key-1', 'key-2'] });
  });

  it("generators of its key-angle runs are trained in the worker threads asked for", async () => {
    const out = join(fixture.dir, 'angle-study');
    const config = parseStudyConfig({ base, postprocesses: ['none'], angles: ['orthogonal'], keyCount: 3, ...TINY_STUDY });
    await expect(runStudy(stopsWorkers, config, out, {}, { workers: 2 })).rejects.toThrow(
      /^generator of key-[23] failed: its worker thread stopped \(exit code 3\)$/,
    );
    expect((await manifestOf(join(out, 'keys', 'base-orthogonal'))).pending).toMatchObject({ stage: 'generators', keys: ['key-2', 'key-3'] });
  });

  it('a worker count the services cannot honour is refused before anything is written', async () => {
    const out = join(fixture.dir, 'refused-study');
    const services: RunServices = {
      adapter: (name) => host.adapter(name), imageSource: (name) => host.imageSource(name),
      postProcess: (name) => host.postProcess(name), metric: (name) => host.metric(name),
    };
    const config = parseStudyConfig({ base, postprocesses: ['test-contrast'], robust: true, ...TINY_STUDY });
    await expect(runStudy(services, config, out, {}, { workers: 2 })).rejects.toThrow(
      "workers 2: the run's plugins were not registered from modules a worker thread could load; use workers 1",
    );
    await expect(runStudy(host, config, out, {}, { workers: 0 })).rejects.toThrow('workers 0: expected a positive whole number of worker threads');
    expect(existsSync(out)).toBe(false);
  });
});

describe('bad study configs: one line naming the key and value', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ postprocesses: ['blur'] }, /"base" expects a run folder, a list of them, or a mapping label: folder$/],
    [{ base: 'x', postprocesses: { blur: { param: 'sigma', values: [] } } }, /"postprocesses\.blur\.values" expects a non-empty list of values of sigma, got \[\]$/],
    [{ base: 'x', postprocesses: ['blur'], robust: 'yes' }, /"robust" expects true, false or a list of them, got "yes"$/],
    [{ base: 'x', postprocesses: ['blur'], angles: ['acute'] }, /"angles" expects base, orthogonal, cosine or a list of them, got \["acute"\]$/],
    [{ base: 'x', postprocesses: ['blur'], alphas: [-1] }, /"alphas" expects a non-negative number or a list of them, got \[-1\]$/],
    [{ base: 'x', postprocesses: ['blur'], training: { robust: { epochs: -1 } } }, /"training\.robust" expects robust option epochs: got -1, expected a non-negative integer$/],
    [{ base: 'x', postprocesses: ['blur'], colour: 'red' }, /"colour" expects one of base, postprocesses, [^"]+ \(unknown key\)$/],
    [{ base: 'x', postprocesses: { blur: { alphas: [1, 'two'] } } }, /"postprocesses\.blur\.alphas" expects a non-negative number or a list of them, got \[1,"two"\]$/],
    [{ base: 'x', postprocesses: { none: { alphas: 1 } } }, /"postprocesses\.none\.alphas" expects no alphas: "none" has no robust cells, got 1$/],
    [{ base: 'x', postprocesses: ['blur'], evaluation: { samplesByMetric: { 'tpr-at-fpr': 0 } } }, /"evaluation\.samplesByMetric" expects a mapping of metric names to positive integers, got \{"tpr-at-fpr":0\}$/],
  ];
  it.each(cases)('%j', (raw, message) => {
    expect(() => parseStudyConfig(raw, 'study config s.yaml')).toThrow(message);
    expect(() => parseStudyConfig(raw, 'study config s.yaml')).toThrow(/^study config s\.yaml: /);
  });

  it('a post-process parameter the post-process refuses, before anything is written', async () => {
    const out = join(fixture.dir, 'bad');
    const config = parseStudyConfig({ base, postprocesses: { 'test-posterize': { robust: true } }, ...TINY_STUDY });
    await expect(runStudy(host, config, out)).rejects.toThrow(/^study config: "postprocesses\.test-posterize\.robust": test-posterize is not differentiable, so it cannot be trained against; expected false$/);
    expect(await snapshot(out)).toEqual({});
  });
});

describe('per-post-process axes', () => {
  it('a post-process\'s own alphas replace the study\'s for its robust cells only', () => {
    const config = parseStudyConfig({
      base, postprocesses: [{ name: 'test-contrast', alphas: [1, 3] }, { name: 'test-contrast', param: 'min', values: [0.7] }], robust: [false, true], alphas: [10], ...TINY_STUDY,
    });
    const info = { adapter: 'test-dense', generators: ['key-1', 'key-2'], dataSource: 'test-json', angleTerm: 'orthogonal' };
    const cells = planCells(config, new Map([['base', info]]), host);
    expect(cells.map((c) => [c.postProcess, c.param, c.robust, c.alpha])).toEqual([
      ['test-contrast', '', false, null], ['test-contrast', '', true, 1], ['test-contrast', '', true, 3],
      ['test-contrast', 'min', false, null], ['test-contrast', 'min', true, 10],
    ]);
  });
});

describe('strength sweeps', () => {
  const info = { adapter: 'test-dense', generators: ['key-1', 'key-2'], dataSource: 'test-json', angleTerm: 'orthogonal' };

  it('sweep: N measures N strengths evenly from the declared weakest to the strongest (a third-party post-process)', () => {
    const config = parseStudyConfig({ base, postprocesses: { 'test-contrast': { sweep: 3 } }, robust: false, ...TINY_STUDY });
    const cells = planCells(config, new Map([['base', info]]), host);
    expect(cells.map((c) => [c.param, c.strength, c.params])).toEqual([
      ['min', 1, { min: 1 }], ['min', 0.75, { min: 0.75 }], ['min', 0.5, { min: 0.5 }],
    ]);
  });

  it('refuses a sweep of a post-process without a declared strength, and a sweep beside param', () => {
    const config = parseStudyConfig({ base, postprocesses: { 'test-posterize': { sweep: 4 } }, ...TINY_STUDY });
    expect(() => planCells(config, new Map([['base', info]]), host)).toThrow(
      'study config: "postprocesses.test-posterize.sweep" expects a post-process that declares its strength; test-posterize does not, give param and values');
    expect(() => parseStudyConfig({ base, postprocesses: { 'test-contrast': { sweep: 1 } } })).toThrow(
      'study config: "postprocesses.test-contrast.sweep" expects an integer >= 2 (strengths from the weakest to the strongest), got 1');
    expect(() => parseStudyConfig({ base, postprocesses: { 'test-contrast': { sweep: 3, param: 'min' } } })).toThrow(
      'study config: "postprocesses.test-contrast.sweep" expects no param or values beside it (sweep sets both)');
  });

  it('rounds integer strengths and keeps distinct values', async () => {
    const { sweepValues } = await import('./plan.js');
    expect(sweepValues(90, 10, 5, true)).toEqual([90, 70, 50, 30, 10]);
    expect(sweepValues(0, 45, 4)).toEqual([0, 15, 30, 45]);
    expect(sweepValues(1, 0.5, 3)).toEqual([1, 0.75, 0.5]);
    expect(sweepValues(1, 2, 3, true)).toEqual([1, 2]);
  });
});

describe('tensor accounting', () => {
  it("FID's feature network, kept once loaded, is not reported as a cell's leak", async () => {
    const logs: string[] = [];
    const config = parseStudyConfig({ base, postprocesses: ['none'], ...TINY_STUDY, evaluation: { samples: 24, fid: true } });
    const result = await runStudy(host, config, join(fixture.dir, 'fid-accounting'), { log: (line) => logs.push(line) });
    expect(Number.isFinite(result.rows[0]!.fid)).toBe(true);
    expect(logs.filter((line) => line.includes('tensors were not released'))).toEqual([]);
  });
});
